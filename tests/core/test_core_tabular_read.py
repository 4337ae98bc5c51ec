"""Reading uploads (partspool.core.tabular.read_table): what centers actually send us."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partspool.core import tabular
from partspool.core.tabular import FileRejected, Table, read_table

MB = 1024 * 1024


def read(data: bytes, filename: str = "stock.csv", max_bytes: int = 5 * MB) -> Table:
    return read_table(data, filename, max_bytes)


def rejected(data: bytes, filename: str = "stock.csv", max_bytes: int = 5 * MB) -> str:
    with pytest.raises(FileRejected) as caught:
        read_table(data, filename, max_bytes)
    problem = caught.value.problem
    assert problem.row is None and problem.column is None  # a whole-file problem
    return problem.code


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite_sheet_xml(data: bytes, pattern: bytes, replacement: bytes) -> bytes:
    """The same workbook with its first sheet's XML edited, as other tools write it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "xl/worksheets/sheet1.xml":
                content = re.sub(pattern, replacement, content)
            dst.writestr(name, content)
    return out.getvalue()


STOCK_ROWS = [["SC-HZ01", "BRK-PAD-F01", "5"], ["SC-SH01", "BRK-PAD-F01", "12"]]


# --- CSV -----------------------------------------------------------------------------------------


def test_utf8_csv_header_is_stripped_and_lower_cased():
    table = read(b" Node , PART,On_Hand\nSC-HZ01,BRK-PAD-F01,5\nSC-SH01,BRK-PAD-F01,12\n")
    assert table.header == ["node", "part", "on_hand"]
    assert table.rows == [(2, STOCK_ROWS[0]), (3, STOCK_ROWS[1])]


def test_utf8_csv_with_bom_as_excel_saves_it():
    table = read("node,part,on_hand\r\nSC-HZ01,BRK-PAD-F01,5\r\n".encode("utf-8-sig"))
    assert table.header == ["node", "part", "on_hand"]  # no "\ufeffnode"
    assert table.rows == [(2, STOCK_ROWS[0])]


def test_gb18030_csv_with_chinese_headers_as_excel_in_china_saves_it():
    data = "网点,配件号,库存\r\nSC-HZ01,BRK-PAD-F01,5\r\nSC-SH01,前刹车片,12\r\n".encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the test really exercises the fallback
    table = read(data)
    assert table.header == ["网点", "配件号", "库存"]
    assert table.rows == [(2, ["SC-HZ01", "BRK-PAD-F01", "5"]), (3, ["SC-SH01", "前刹车片", "12"])]


def test_utf8_csv_with_chinese_headers():
    table = read("网点,配件号,库存\nSC-HZ01,BRK-PAD-F01,5\n".encode())
    assert table.header == ["网点", "配件号", "库存"]


def test_semicolon_delimited_csv():
    table = read(b"node;part;on_hand\nSC-HZ01;BRK-PAD-F01;5\nSC-SH01;BRK-PAD-F01;12\n")
    assert table.header == ["node", "part", "on_hand"]
    assert [values for _, values in table.rows] == STOCK_ROWS


def test_tab_delimited_text():
    table = read(b"node\tpart\ton_hand\nSC-HZ01\tBRK-PAD-F01\t5\nSC-SH01\tBRK-PAD-F01\t12\n", "stock.txt")
    assert table.header == ["node", "part", "on_hand"]
    assert [values for _, values in table.rows] == STOCK_ROWS


def test_quoted_thousands_separator_stays_in_one_cell():
    table = read(b'node,part,on_hand\nSC-HZ01,BRK-PAD-F01,"1,200"\n')
    assert table.rows == [(2, ["SC-HZ01", "BRK-PAD-F01", "1,200"])]


def test_tab_file_with_thousands_separators_is_split_on_tabs():
    table = read(b"node\tpart\ton_hand\nSC-HZ01\tBRK-PAD-F01\t1,200\nSC-SH01\tBRK-PAD-F01\t2,400\n")
    assert table.header == ["node", "part", "on_hand"]
    assert table.rows[0] == (2, ["SC-HZ01", "BRK-PAD-F01", "1,200"])


def test_single_column_csv():
    table = read(b"part\nBRK-PAD-F01\nWIP-BLD-01\n")
    assert table.header == ["part"]
    assert table.rows == [(2, ["BRK-PAD-F01"]), (3, ["WIP-BLD-01"])]


def test_csv_file_extension_is_case_insensitive():
    assert read(b"node,part\nA,B\n", "STOCK.CSV").header == ["node", "part"]


def test_csv_with_classic_mac_line_endings():
    table = read(b"node,part,on_hand\rSC-HZ01,BRK-PAD-F01,5\rSC-SH01,BRK-PAD-F01,12\r")
    assert table.rows == [(2, STOCK_ROWS[0]), (3, STOCK_ROWS[1])]


codes = st.from_regex(r"[A-Z]{2}-[A-Z]{2}[0-9]{2}", fullmatch=True)
quantities = st.integers(0, 50_000).map(lambda n: f"{n:,}")
stamps = st.sampled_from(["2026-11-03 10:00", "2026/11/03", "2026年11月3日", ""])
names = st.sampled_from(["前刹车片", "Front brake pads", "雨刮片 (改进型)", "O'Brien's kit", "a b"])


@settings(max_examples=150, deadline=None, database=None)
@given(
    rows=st.lists(st.tuples(codes, codes, quantities, stamps, names).map(list), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_any_csv_excel_could_write_reads_back_cell_for_cell(rows, delimiter, encoding, quoting):
    header = ["node", "part", "on_hand", "confirmed_at", "name"]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, quoting=quoting, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    table = read(text.getvalue().encode(encoding))
    assert table.header == header
    assert table.rows == [(number, row) for number, row in enumerate(rows, start=2)]


# --- row numbers and blank rows --------------------------------------------------------------------


def test_row_numbers_are_spreadsheet_rows_with_the_header_as_row_1():
    table = read(b"node,part,on_hand\nA,P,1\nB,P,2\nC,P,3\n")
    assert [number for number, _ in table.rows] == [2, 3, 4]


def test_blank_rows_are_skipped_but_keep_counting():
    table = read(b"node,part,on_hand\nA,P,1\n\n,,\n  ,\t, \nB,P,2\n")
    assert table.rows == [(2, ["A", "P", "1"]), (6, ["B", "P", "2"])]


def test_blank_lines_before_the_header_are_skipped_and_counted():
    table = read(b"\n,,\nnode,part,on_hand\nA,P,1\n")
    assert table.header == ["node", "part", "on_hand"]
    assert table.rows == [(4, ["A", "P", "1"])]


def test_cell_with_a_line_break_is_one_spreadsheet_row():
    table = read(b'node,part,note\nA,P,"first line\nsecond line"\nB,P,x\n')
    assert table.rows == [(2, ["A", "P", "first line\nsecond line"]), (3, ["B", "P", "x"])]


def test_header_only_gives_no_rows():
    table = read(b"node,part,on_hand\n")
    assert table.header == ["node", "part", "on_hand"]
    assert table.rows == []


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_first_sheet_is_read_with_cell_types():
    when = datetime(2026, 11, 3, 9, 30)  # noqa: DTZ001 (spreadsheet cells are naive)
    data = workbook([["Node", "Part", "On_Hand", "Confirmed_At"],
                     ["SC-HZ01", "BRK-PAD-F01", 5, when],
                     ["SC-SH01", "BRK-PAD-F01", 12.0, None]])
    table = read(data, "stock.xlsx")
    assert table.header == ["node", "part", "on_hand", "confirmed_at"]
    # A row's trailing empty cells may be left out; checking treats missing cells as empty.
    assert table.rows[0] == (2, ["SC-HZ01", "BRK-PAD-F01", 5, when])
    assert table.rows[1][0] == 3 and table.rows[1][1][:3] == ["SC-SH01", "BRK-PAD-F01", 12]
    assert all(cell is None for cell in table.rows[1][1][3:])


def test_xlsx_with_chinese_headers():
    table = read(workbook([["网点", "配件号", "库存"], ["SC-HZ01", "BRK-PAD-F01", 5]]), "库存.xlsx")
    assert table.header == ["网点", "配件号", "库存"]
    assert table.rows == [(2, ["SC-HZ01", "BRK-PAD-F01", 5])]


def test_xlsx_blank_rows_are_skipped_and_row_numbers_match_excel():
    data = workbook([[None], ["node", "part", "on_hand"], ["A", "P", 1], [None, None, None], ["  ", None, ""],
                     ["B", "P", 2]])
    table = read(data, "stock.xlsx")
    assert table.header == ["node", "part", "on_hand"]
    assert table.rows == [(3, ["A", "P", 1]), (6, ["B", "P", 2])]


def test_xlsx_only_the_first_sheet_is_read():
    book = openpyxl.Workbook()
    first = book.active
    assert first is not None
    first.append(["node", "part"])
    first.append(["A", "P"])
    other = book.create_sheet("notes")
    other.append(["something", "else"])
    out = io.BytesIO()
    book.save(out)
    table = read(out.getvalue(), "stock.xlsx")
    assert table.header == ["node", "part"]
    assert table.rows == [(2, ["A", "P"])]


def test_xlsx_extension_is_case_insensitive_and_xlsm_is_accepted():
    data = workbook([["node"], ["A"]])
    assert read(data, "STOCK.XLSX").rows == [(2, ["A"])]
    assert read(data, "stock.xlsm").rows == [(2, ["A"])]


def test_xlsx_without_a_dimension_element_is_read_whole():
    data = rewrite_sheet_xml(workbook([["node", "part"], ["A", "P"], ["B", "Q"]]),
                             rb"<dimension [^>]*/>", b"")
    assert read(data, "stock.xlsx").rows == [(2, ["A", "P"]), (3, ["B", "Q"])]


def test_xlsx_with_a_wrong_dimension_element_is_read_whole():
    data = rewrite_sheet_xml(workbook([["node", "part"], ["A", "P"], ["B", "Q"]]),
                             rb"<dimension [^>]*/>", b'<dimension ref="A1"/>')
    table = read(data, "stock.xlsx")
    assert table.header == ["node", "part"]
    assert table.rows == [(2, ["A", "P"]), (3, ["B", "Q"])]


# --- rejected files ------------------------------------------------------------------------------


def test_file_larger_than_the_limit_is_rejected():
    data = b"node,part,on_hand\n" + b"A,P,1\n" * 100
    assert rejected(data, max_bytes=len(data) - 1) == "file_too_large"


def test_file_exactly_at_the_limit_is_accepted():
    data = b"node,part,on_hand\nA,P,1\n"
    assert read(data, max_bytes=len(data)).rows == [(2, ["A", "P", "1"])]


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t", b"\xef\xbb\xbf", b",,,\n,,,\n\n", b"\t\t\n"])
def test_empty_file_is_rejected(data):
    assert rejected(data) == "empty_file"


def test_empty_workbook_is_rejected():
    assert rejected(workbook([]), "stock.xlsx") == "empty_file"


def test_binary_garbage_named_csv_is_not_a_spreadsheet():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"
    assert rejected(png, "stock.csv") == "not_a_spreadsheet"


def test_undecodable_bytes_named_csv_are_not_a_spreadsheet():
    assert rejected(b"node,part\n\xff\xfe\xff\xfe\x80\x80\n", "stock.csv") == "not_a_spreadsheet"


def test_old_binary_xls_renamed_csv_is_not_a_spreadsheet():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
    assert rejected(ole2, "stock.csv") == "not_a_spreadsheet"
    assert rejected(ole2, "stock.xls") == "not_a_spreadsheet"


def test_xlsx_that_is_not_a_zip_is_not_a_spreadsheet():
    assert rejected(b"node,part,on_hand\nA,P,1\n", "stock.xlsx") == "not_a_spreadsheet"


def test_damaged_xlsx_with_a_zip_signature_is_not_a_spreadsheet():
    data = workbook([["node"], ["A"]])
    assert rejected(data[: len(data) // 2], "stock.xlsx") == "not_a_spreadsheet"
    assert rejected(b"PK\x03\x04" + b"\x01" * 200, "stock.xlsx") == "not_a_spreadsheet"


def test_zip_that_is_not_a_workbook_is_not_a_spreadsheet():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "just a zip")
    assert rejected(out.getvalue(), "stock.xlsx") == "not_a_spreadsheet"


def test_pdf_renamed_xlsx_is_not_a_spreadsheet():
    pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    assert rejected(pdf, "stock.xlsx") == "not_a_spreadsheet"


def test_workbook_renamed_csv_is_not_a_spreadsheet():
    assert rejected(workbook([["node"], ["A"]]), "stock.csv") == "not_a_spreadsheet"


@pytest.mark.parametrize("filename", ["stock.pdf", "stock", "stock.json", "stock.csv.exe"])
def test_other_extensions_are_not_a_spreadsheet(filename):
    assert rejected(b"node,part\nA,P\n", filename) == "not_a_spreadsheet"


def test_xlsx_that_inflates_enormously_is_refused_as_a_zip_bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (51 * MB))
    data = out.getvalue()
    assert len(data) < MB
    with pytest.raises(FileRejected) as caught:
        read_table(data, "stock.xlsx", 5 * MB)
    assert caught.value.problem.code == "not_a_spreadsheet"
    assert "inflate" in caught.value.problem.detail


def test_too_many_rows_is_rejected(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    assert read(b"node\nA\nB\nC\n").rows == [(2, ["A"]), (3, ["B"]), (4, ["C"])]
    assert rejected(b"node\nA\nB\nC\nD\n") == "too_many_rows"
