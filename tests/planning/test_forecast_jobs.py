"""A large forecast asked for from a page is worked out in the background, its page following it."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from partspool.planning import services
from partspool.planning.models import ForecastJob, ForecastRun
from tests.conftest import login

JSON = "application/json"


def _wait(job_id: int, seconds: float = 90.0) -> ForecastJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = ForecastJob.objects.get(pk=job_id)
        if job.status in (ForecastJob.Status.DONE, ForecastJob.Status.FAILED):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job.status}")


@pytest.fixture
def big(monkeypatch):
    monkeypatch.setattr(services, "WAIT_MAX_SERIES", 1)  # every run from a page counts as large here


def test_a_large_run_from_the_page_is_followed_to_its_run(transactional_db, history, big):
    planner = login(history.users["planner"])
    response = planner.post("/planning/", {"horizon": "2"})
    assert response.status_code == 302 and "/planning/jobs/" in response["Location"]
    job = _wait(int(response["Location"].rstrip("/").rsplit("/", 1)[1]))
    assert job.status == ForecastJob.Status.DONE, job.error
    run = ForecastRun.objects.get(pk=job.run_id)
    assert run.series == job.series and run.horizon == 2
    followed = planner.get(response["Location"], HTTP_HX_REQUEST="true")
    assert followed.status_code == 204 and followed["HX-Redirect"] == f"/planning/runs/{run.pk}/"
    page = planner.get(response["Location"]).content.decode()
    assert f"/planning/runs/{run.pk}/" in page and "Done." in page


def test_a_small_run_from_the_page_is_made_while_the_user_waits(history):
    response = login(history.users["manager"]).post("/planning/", {"horizon": "2"})
    assert response.status_code == 302 and "/planning/runs/" in response["Location"]
    assert not ForecastJob.objects.exists()


def test_the_api_starts_a_job_and_bad_input_is_refused_before_any(transactional_db, history):
    planner = login(history.users["planner"])
    bad = planner.post("/api/forecast-jobs", {"horizon": 0}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["code"] == "forecast_horizon" and not ForecastJob.objects.exists()
    made = planner.post("/api/forecast-jobs", {"horizon": 2, "nodes": ["SC-HZ01"]}, content_type=JSON)
    assert made.status_code == 202 and made.json()["status"] in ("queued", "running", "done")
    job = _wait(made.json()["id"])
    body = planner.get(f"/api/forecast-jobs/{job.pk}").json()
    assert body["status"] == "done" and body["run"] == job.run_id and body["parameters"]["nodes"] == ["SC-HZ01"]
    # a center manager sees only the jobs they asked for
    assert login(history.users["gz_manager"]).get(f"/api/forecast-jobs/{job.pk}").status_code == 404


def test_a_job_that_fails_says_why_in_the_users_language(transactional_db, history, monkeypatch):
    from partspool.core.forecasting import ForecastInputError

    def broken(*_args, **_kwargs):
        raise ForecastInputError("too_short", "every series is too short")

    monkeypatch.setattr(services, "forecast", broken)
    planner = login(history.users["planner"])
    made = planner.post("/api/forecast-jobs", {"horizon": 2}, content_type=JSON).json()
    job = _wait(made["id"])
    assert job.status == ForecastJob.Status.FAILED and job.error["code"] == "forecast_input"
    body = planner.get(f"/api/forecast-jobs/{job.pk}").json()
    assert body["status"] == "failed" and "every series is too short" in body["message"]
    assert "every series is too short" in planner.get(f"/planning/jobs/{job.pk}/").content.decode()
    chinese = planner.get(f"/api/forecast-jobs/{job.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").json()["message"]
    assert chinese != body["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    assert not ForecastRun.objects.exists()


def test_an_unexpected_failure_is_logged_not_shown(transactional_db, history, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("could not open /secret/path.db")

    monkeypatch.setattr(services, "forecast", broken)
    planner = login(history.users["planner"])
    job = _wait(planner.post("/api/forecast-jobs", {"horizon": 2}, content_type=JSON).json()["id"])
    body = planner.get(f"/api/forecast-jobs/{job.pk}").json()
    assert body["status"] == "failed" and body["error"] == "job_failed" and "/secret" not in body["message"]


def test_one_forecast_in_progress_per_user_and_a_deleted_run_is_said(transactional_db, history):
    planner = login(history.users["planner"])
    waiting = ForecastJob.objects.create(created_by=history.users["planner"], series=5, parameters={})
    refused = planner.post("/api/forecast-jobs", {"horizon": 2}, content_type=JSON)
    assert refused.status_code == 400 and refused.json()["code"] == "job_running"
    assert str(waiting) in refused.json()["message"] and ForecastJob.objects.count() == 1
    ForecastJob.objects.filter(pk=waiting.pk).update(status=ForecastJob.Status.DONE)  # its run deleted since
    page = planner.get(f"/planning/jobs/{waiting.pk}/")
    assert page.status_code == 200 and "has been deleted since" in page.content.decode()
    assert planner.get(f"/planning/jobs/{waiting.pk}/", HTTP_HX_REQUEST="true").status_code == 200


def test_a_server_start_marks_the_jobs_it_cannot_finish(history):
    job = ForecastJob.objects.create(created_by=history.users["planner"], status=ForecastJob.Status.RUNNING)
    assert services.interrupt_unfinished_jobs() == 1
    body = login(history.users["planner"]).get(f"/api/forecast-jobs/{job.pk}").json()
    assert body["status"] == "failed" and body["error"] == "job_interrupted"


def test_a_job_left_running_when_the_server_stopped_is_reported_cut_short(history):
    job = ForecastJob.objects.create(created_by=history.users["planner"], status=ForecastJob.Status.RUNNING,
                                     parameters={"nodes": ["SC-HZ01"], "horizon": 2, "method": "auto",
                                                 "engine": "local", "history_end": "2026-10-01"})
    ForecastJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=3))
    body = login(history.users["planner"]).get(f"/api/forecast-jobs/{job.pk}").json()
    assert body["status"] == "failed" and body["error"] == "job_interrupted" and "ask for it again" in body["message"]


def test_the_runs_page_lists_the_users_forecasts_in_progress(history):
    job = ForecastJob.objects.create(created_by=history.users["planner"], series=9318, parameters={})
    page = login(history.users["planner"]).get("/planning/").content.decode()
    assert 'id="jobs"' in page and f"/planning/jobs/{job.pk}/" in page and "9318 series" in page
    assert 'id="jobs"' not in login(history.users["manager"]).get("/planning/").content.decode()
