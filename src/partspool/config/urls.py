from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from partspool.accounts import views as account_views
from partspool.config.api import api
from partspool.emergencies import views as case_views
from partspool.network import views as network_views
from partspool.planning import views as planning_views
from partspool.transfers import views as transfer_views

urlpatterns = [
    path("", network_views.dashboard, name="dashboard"),
    path("lookup/", network_views.lookup, name="lookup"),
    path("nodes/<str:code>/", network_views.node_detail, name="node"),
    path("parts/<str:number>/", network_views.part_detail, name="part"),
    path("imports/", network_views.import_page, name="import"),
    path("exports/<str:kind>.xlsx", network_views.export, name="export"),
    path("exports/<str:kind>.csv", network_views.export, {"fmt": "csv"}, name="export_csv"),
    path("me/tokens/", account_views.tokens, name="tokens"),
    path("transfers/", transfer_views.inbox, name="transfers"),
    path("transfers/new/", transfer_views.request_new, name="transfer_new"),
    path("transfers/<int:transfer_id>/", transfer_views.transfer_detail, name="transfer"),
    path("transfers/<int:transfer_id>/act/<str:action>/", transfer_views.transfer_act, name="transfer_act"),
    path("transfers/<int:transfer_id>/forward/", transfer_views.transfer_forward, name="transfer_forward"),
    path("transfers/<int:transfer_id>/commitment/", transfer_views.commitment, name="commitment"),
    path("transfers/photos/<int:photo_id>/", transfer_views.photo, name="transfer_photo"),
    path("help-request/", transfer_views.help_request, name="help_request"),
    path("alliances/", transfer_views.alliances, name="alliances"),
    path("alliances/<int:alliance_id>/", transfer_views.alliance, name="alliance"),
    path("notifications/", transfer_views.notifications, name="notifications"),
    path("emergencies/", case_views.case_list, name="cases"),
    path("emergencies/new/", case_views.case_new, name="case_new"),
    path("emergencies/ledger/", case_views.ledger, name="ledger"),
    path("emergencies/review/", case_views.review, name="review"),
    path("emergencies/budget/", case_views.budget, name="budget"),
    path("emergencies/<int:case_id>/", case_views.case_detail, name="case"),
    path("emergencies/<int:case_id>/act/<str:action>/", case_views.case_act, name="case_act"),
    path("emergencies/<int:case_id>/message/", case_views.case_message, name="case_message"),
    path("planning/", planning_views.runs, name="forecast_runs"),
    path("planning/runs/<int:run_id>/", planning_views.run_detail, name="forecast_run"),
    path("planning/jobs/<int:job_id>/", planning_views.forecast_job, name="forecast_job"),
    path("planning/review/", planning_views.review, name="forecast_review"),
    path("planning/review/note/", planning_views.review_note, name="forecast_review_note"),
    path("planning/abc/", planning_views.abc, name="abc"),
    path("planning/policy/", planning_views.stock_policy, name="stock_policy"),
    path("planning/rebalance/", planning_views.rebalancing, name="rebalance"),
    path("planning/rebalance/request/", planning_views.rebalance_request, name="rebalance_request"),
    path("planning/kpis/", planning_views.kpi_page, name="kpis"),
    path("planning/annual/", planning_views.annual, name="annual_plan"),
    path("planning/settings/", planning_views.settings_page, name="planning_settings"),
    path("assets/plotly.min.js", network_views.plotly_js, name="plotly_js"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
