"""Dataset import and paste: quoting, byte-order marks, blank lines, per-line problems, all or nothing,
10,000 rows, JSONL values, export round trips."""

import json

import pytest
from django.urls import reverse

from playground.experiments import datasets
from playground.experiments.datasets import ImportProblem, decode, parse_delimited, parse_jsonl, parse_upload
from playground.experiments.models import Dataset, DatasetRow
from playground.teams.access import personal_workspace
from tests.factories import client_for


def test_quoted_fields_keep_commas_quotes_and_newlines():
    text = 'question,expected\n"Hello, world","He said ""hi"""\n"two\nlines",x\n'
    table = parse_delimited(text)
    assert table.columns == ["question", "expected"]
    assert table.rows == [{"question": "Hello, world", "expected": 'He said "hi"'}, {"question": "two\nlines", "expected": "x"}]


def test_a_byte_order_mark_and_crlf_line_ends_are_read():
    raw = "\ufeffquestion,Expected\r\nA,1\r\n".encode("utf-8")
    table = parse_upload(raw, "cases.csv")
    assert table.columns == ["question", "expected"]  # the BOM is not part of the first name; Expected is expected
    assert table.rows == [{"question": "A", "expected": "1"}]


def test_blank_lines_and_rows_of_empty_fields_are_skipped():
    table = parse_delimited("\n\nquestion,expected\n\nA,1\n,\n\nB,2\n\n")
    assert [row["question"] for row in table.rows] == ["A", "B"]


def test_every_problem_is_reported_with_its_line_and_nothing_is_kept():
    text = "question,expected\nA,1\nB\nC,3,extra\n" + "D," + "x" * (datasets.MAX_VALUE_CHARS + 1) + "\n"
    with pytest.raises(ImportProblem) as problem:
        parse_delimited(text)
    errors = problem.value.errors
    assert errors[0].startswith("Line 3: 1 field, but there are 2 columns")
    assert errors[1].startswith("Line 4: 3 fields")
    assert "Line 5" in errors[2] and "characters" in errors[2]


def test_header_names_must_be_variable_names_and_unique():
    with pytest.raises(ImportProblem) as problem:
        parse_delimited("customer name,question,question\na,b,c\n")
    assert any("“customer name” is not a variable name" in e for e in problem.value.errors)
    assert any("appears twice" in e for e in problem.value.errors)


def test_an_open_quote_says_where():
    with pytest.raises(ImportProblem) as problem:
        parse_delimited('question\n"never closed\n')
    assert "quote" in problem.value.errors[0]


def test_text_that_is_not_utf8_is_refused_with_its_line():
    with pytest.raises(ImportProblem) as problem:
        decode("question\nCafé\n".encode("latin-1"))
    assert problem.value.errors[0].startswith("Line 2: this is not UTF-8")


def test_jsonl_values_become_text_and_columns_follow_first_use():
    text = '{"question": "A", "n": 3}\n\n{"question": "B", "expected": {"k": [1]}, "flag": true, "none": null}\n'
    table = parse_jsonl(text)
    assert table.columns == ["question", "n", "expected", "flag"]
    assert table.rows == [{"question": "A", "n": "3"}, {"question": "B", "expected": '{"k": [1]}', "flag": "true"}]


def test_jsonl_problems_name_their_lines():
    with pytest.raises(ImportProblem) as problem:
        parse_jsonl('{"question": "A"}\nnot json\n[1, 2]\n{"bad key": 1}\n')
    assert [e.split(":")[0] for e in problem.value.errors] == ["Line 2", "Line 3", "Line 4"]


def test_the_kind_of_file_is_told_by_its_name_or_its_first_character():
    assert parse_upload(b'{"a": "1"}\n').columns == ["a"]
    assert parse_upload(b"a\tb\n1\t2\n").rows == [{"a": "1", "b": "2"}]
    assert parse_upload(b"a,b\n1,2\n", "x.csv").rows == [{"a": "1", "b": "2"}]


@pytest.mark.django_db
def test_ten_thousand_rows_import_at_once_and_too_many_are_refused(alice, settings):
    dataset = Dataset.objects.create(workspace=personal_workspace(alice), name="Big")
    text = "question,expected\n" + "".join(f"Question {i},{i}\n" for i in range(10_000))
    assert datasets.add_rows(dataset, parse_delimited(text)) == 10_000
    assert DatasetRow.objects.filter(dataset=dataset).count() == 10_000
    assert list(dataset.rows.order_by("position").values_list("values__question", flat=True)[9998:]) == ["Question 9998", "Question 9999"]
    settings.DATASET_MAX_ROWS = 10_005
    with pytest.raises(ImportProblem) as problem:
        parse_delimited("question\n" + "q\n" * 10, already=dataset.rows.count())
    assert "at most 10,005 rows" in problem.value.errors[0]


@pytest.mark.django_db
def test_an_import_with_one_bad_line_writes_nothing(alice):
    dataset = Dataset.objects.create(workspace=personal_workspace(alice), name="D", columns=["question"])
    response = client_for(alice).post(reverse("experiments:dataset_import", args=[dataset.public_id]),
                                      {"text": "question,expected\nA,1\nB\n", "format": "csv"})
    assert response.status_code == 422
    assert "Line 3" in response.content.decode() and "Nothing was imported" in response.content.decode()
    assert dataset.rows.count() == 0


@pytest.mark.django_db
def test_paste_makes_columns_from_the_first_line_then_fills_from_a_cell_on(alice):
    dataset = Dataset.objects.create(workspace=personal_workspace(alice), name="D")
    assert datasets.paste(dataset, "question\texpected\nA\t1\nB\t2\n") == 2
    dataset.refresh_from_db()
    assert dataset.columns == ["question", "expected"]
    second = dataset.rows.order_by("position")[1]
    # Pasting two lines of one column from row 2 on: row 2 is overwritten, a third row is added.
    datasets.paste(dataset, "B2\nC\n", at_row=second, at_column="question")
    assert [row.values for row in dataset.rows.order_by("position")] == [
        {"question": "A", "expected": "1"}, {"question": "B2", "expected": "2"}, {"question": "C"}]
    with pytest.raises(ImportProblem):
        datasets.paste(dataset, "a\tb\tc\n", at_column="expected")


@pytest.mark.django_db
def test_columns_rename_keep_values_and_removal_drops_them(alice):
    dataset = Dataset.objects.create(workspace=personal_workspace(alice), name="D", columns=["q", "expected"])
    DatasetRow.objects.create(dataset=dataset, position=0, values={"q": "A", "expected": "1"})
    datasets.set_columns(dataset, ["q=>question", "context"])
    assert dataset.columns == ["question", "context"]
    assert dataset.rows.get().values == {"question": "A"}


@pytest.mark.django_db
def test_exports_round_trip(alice):
    dataset = Dataset.objects.create(workspace=personal_workspace(alice), name="Round trip", columns=["question", "expected"])
    DatasetRow.objects.create(dataset=dataset, position=0, values={"question": 'A, "quoted"\nline', "expected": "é"})
    client = client_for(alice)
    csv_text = b"".join(client.get(reverse("experiments:dataset_export_csv", args=[dataset.public_id])).streaming_content)
    assert parse_upload(csv_text, "x.csv").rows == [{"question": 'A, "quoted"\nline', "expected": "é"}]
    jsonl = b"".join(client.get(reverse("experiments:dataset_export_jsonl", args=[dataset.public_id])).streaming_content)
    assert json.loads(jsonl.decode().splitlines()[0]) == {"question": 'A, "quoted"\nline', "expected": "é"}
