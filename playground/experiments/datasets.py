"""Datasets in and out: CSV and JSONL import, spreadsheet paste (tab-separated), export, row editing.

Imports are all or nothing: every row is checked first and every problem is reported with its
line; nothing is written unless all of them are fine. Column names are variable names
(params/templating.py) or `expected`. Values are text: a JSONL number or object becomes its JSON text.
"""

import csv
import io
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from playground.params.templating import as_value, is_variable_name

from .models import COLUMN_LENGTH, EXPECTED, Dataset, DatasetRow

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_VALUE_CHARS = 100_000
MAX_COLUMNS = 40
# A report lists this many problems, then says how many more there are.
MAX_REPORTED = 25
BULK_BATCH = 1000


class ImportProblem(Exception):
    """The data cannot be imported; `errors` are sentences that say where and why."""

    def __init__(self, errors: list[str]):
        shown = errors[:MAX_REPORTED]
        if len(errors) > MAX_REPORTED:
            shown.append(f"…and {len(errors) - MAX_REPORTED} more problems.")
        super().__init__("; ".join(shown))
        self.errors = shown


@dataclass
class Table:
    columns: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def column_name(raw: str) -> str:
    name = (raw or "").strip()
    return EXPECTED if name.lower() == EXPECTED else name


def column_problem(name: str) -> str | None:
    if not name:
        return "a column has no name"
    if len(name) > COLUMN_LENGTH or not is_variable_name(name):
        return (f"“{name}” is not a variable name: start with a letter or _, then letters, digits, _ or - "
                f"(at most {COLUMN_LENGTH})")
    return None


def decode(raw: bytes) -> str:
    """UTF-8 text, a byte-order mark dropped; anything else is refused with where it went wrong."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportProblem([f"Line {line}: this is not UTF-8 text (byte {error.start + 1}). Save the file as UTF-8 "
                             "(CSV UTF-8 in Excel) and try again."]) from None


def _check_header(names: list[str]) -> tuple[list[str], list[str]]:
    columns, errors = [], []
    for raw in names:
        name = column_name(raw)
        problem = column_problem(name)
        if problem:
            errors.append(f"Header: {problem}.")
        elif name in columns:
            errors.append(f"Header: the column “{name}” appears twice.")
        columns.append(name)
    if len(columns) > MAX_COLUMNS:
        errors.append(f"Header: at most {MAX_COLUMNS} columns.")
    return columns, errors


def _value_problem(where: str, column: str, value: str) -> str | None:
    if len(value) > MAX_VALUE_CHARS:
        return f"{where}: the value of “{column}” has {len(value):,} characters; at most {MAX_VALUE_CHARS:,}."
    return None


def _check_size(count: int, errors: list[str], already: int = 0) -> None:
    limit = settings.DATASET_MAX_ROWS
    if count + already > limit:
        errors.append(f"A dataset holds at most {limit:,} rows; this would make {count + already:,}.")


def _records(text: str, delimiter: str):
    """(line number, fields) of each record; quoted fields may span lines, as spreadsheets write them."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportProblem([f"Line {reader.line_num}: {error} (is a quote left open?)."]) from None


def parse_delimited(text: str, *, delimiter: str = ",", columns: list[str] | None = None, already: int = 0) -> Table:
    """A CSV (or tab-separated) text: the first non-blank record is the header unless `columns` are
    given; blank lines are skipped; each record must have one field per column."""
    table, errors = Table(), []
    for line, record in _records(text, delimiter):
        if not any(value.strip() for value in record):
            continue  # a blank line, or a row of empty fields
        if not table.columns:
            if columns is None:
                table.columns, errors = _check_header(record)
                if errors:
                    break
                continue
            table.columns = list(columns)
        if len(record) != len(table.columns):
            errors.append(f"Line {line}: {len(record)} field{'s' if len(record) != 1 else ''}, but there "
                          f"{'are' if len(table.columns) != 1 else 'is'} {len(table.columns)} column"
                          f"{'s' if len(table.columns) != 1 else ''} ({', '.join(table.columns)}).")
            continue
        values = dict(zip(table.columns, record))
        errors += [problem for column, value in values.items() if (problem := _value_problem(f"Line {line}", column, value))]
        table.rows.append(values)
    if not errors and not table.columns:
        errors.append("The file is empty: put the column names on the first line, then one row per line.")
    _check_size(len(table.rows), errors, already)
    if errors:
        raise ImportProblem(errors)
    return table


def parse_jsonl(text: str, *, already: int = 0) -> Table:
    """One JSON object per line ({column: value}); blank lines skipped; columns in order of first use."""
    table, errors = Table(), []
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except ValueError as error:
            errors.append(f"Line {line}: not JSON ({error}).")
            continue
        if not isinstance(data, dict):
            errors.append(f"Line {line}: expected a JSON object like {{\"question\": \"…\", \"expected\": \"…\"}}.")
            continue
        values = {}
        for key, value in data.items():
            name = column_name(key)
            problem = column_problem(name)
            if problem:
                errors.append(f"Line {line}: {problem}.")
                continue
            text_value = as_value(value)
            if text_value is None:
                continue
            if problem := _value_problem(f"Line {line}", name, text_value):
                errors.append(problem)
            values[name] = text_value
            if name not in table.columns:
                table.columns.append(name)
        table.rows.append(values)
    if len(table.columns) > MAX_COLUMNS:
        errors.append(f"At most {MAX_COLUMNS} columns; these lines use {len(table.columns)}.")
    if not errors and not table.rows:
        errors.append("The file has no rows: put one JSON object on each line.")
    _check_size(len(table.rows), errors, already)
    if errors:
        raise ImportProblem(errors)
    return table


def parse_upload(raw: bytes, filename: str = "", *, already: int = 0) -> Table:
    """A CSV, TSV or JSONL file, told apart by its name, else by its first character."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportProblem([f"The file is larger than {MAX_IMPORT_BYTES // 1024 // 1024} MB."])
    text = decode(raw)
    name = filename.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")) or (not name.endswith((".csv", ".tsv", ".txt")) and text.lstrip().startswith("{")):
        return parse_jsonl(text, already=already)
    delimiter = "\t" if name.endswith(".tsv") or (not name.endswith(".csv") and "\t" in text.split("\n", 1)[0]) else ","
    return parse_delimited(text, delimiter=delimiter, already=already)


# Writing


def _next_position(dataset: Dataset) -> int:
    last = dataset.rows.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def add_rows(dataset: Dataset, table: Table) -> int:
    """Append the table's rows (new columns join the dataset's); returns how many were added."""
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    columns = list(dataset.columns) + [column for column in table.columns if column not in dataset.columns]
    if len(columns) > MAX_COLUMNS:
        raise ImportProblem([f"A dataset has at most {MAX_COLUMNS} columns; this would make {len(columns)}."])
    _check_rows_fit(dataset, len(table.rows))
    start = _next_position(dataset)
    rows = [DatasetRow(dataset=dataset, position=start + index, values=values) for index, values in enumerate(table.rows)]
    DatasetRow.objects.bulk_create(rows, batch_size=BULK_BATCH)
    dataset.columns = columns
    dataset.save(update_fields=["columns", "updated_at"])
    return len(rows)


@transaction.atomic
def append_row(dataset: Dataset, values: dict) -> DatasetRow:
    """One row at the end ("add to dataset"): its names become columns where the dataset lacks them,
    each value checked like an imported one. Returns the row."""
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    errors = [f"“{name}”: {problem}" for name in values if (problem := column_problem(name))]
    errors += [problem for name, value in values.items() if (problem := _value_problem("This row", name, value))]
    columns = list(dataset.columns) + [name for name in values if name not in dataset.columns]
    if len(columns) > MAX_COLUMNS:
        errors.append(f"A dataset has at most {MAX_COLUMNS} columns; this would make {len(columns)}.")
    _check_size(1, errors, dataset.rows.count())
    if errors:
        raise ImportProblem(errors)
    row = DatasetRow.objects.create(dataset=dataset, position=_next_position(dataset), values=dict(values))
    dataset.columns = columns
    dataset.save(update_fields=["columns", "updated_at"])
    return row


def _check_rows_fit(dataset: Dataset, adding: int) -> None:
    errors = []
    _check_size(adding, errors, dataset.rows.count())
    if errors:
        raise ImportProblem(errors)


def paste(dataset: Dataset, text: str, *, at_row: DatasetRow | None = None, at_column: str | None = None) -> int:
    """Rows pasted from a spreadsheet (tab-separated). Into an empty dataset the first line names the
    columns; otherwise a first line that repeats the column names is skipped, and the fields fill
    the columns from `at_column` on, overwriting rows from `at_row` on and adding rows past the end."""
    text = text.replace("\r\n", "\n").rstrip("\n")
    if not dataset.columns:
        return add_rows(dataset, parse_delimited(text, delimiter="\t", already=dataset.rows.count()))
    start = dataset.columns.index(at_column) if at_column in dataset.columns else 0
    records = [record for _line, record in _records(text, "\t") if any(value.strip() for value in record)]
    if records and [column_name(value) for value in records[0]] == dataset.columns[start:start + len(records[0])]:
        records = records[1:]
    width = len(dataset.columns) - start
    errors = [f"Pasted line {number}: {len(record)} fields, but only {width} column{'s' if width != 1 else ''} from "
              f"“{dataset.columns[start]}” on." for number, record in enumerate(records, 1) if len(record) > width]
    errors += [problem for number, record in enumerate(records, 1) for column, value in zip(dataset.columns[start:], record)
               if (problem := _value_problem(f"Pasted line {number}", column, value))]
    if errors:
        raise ImportProblem(errors)
    return _write_pasted(dataset, records, start, at_row)


@transaction.atomic
def _write_pasted(dataset: Dataset, records: list[list[str]], start: int, at_row: DatasetRow | None) -> int:
    existing = list(dataset.rows.filter(position__gte=at_row.position)) if at_row is not None else []
    columns = dataset.columns[start:]
    for row, record in zip(existing, records):
        row.values = {**row.values, **dict(zip(columns, record))}
    DatasetRow.objects.bulk_update(existing[: len(records)], ["values"], batch_size=BULK_BATCH)
    rest = records[len(existing):]
    if rest:
        _check_rows_fit(dataset, len(rest))
        first = _next_position(dataset)
        DatasetRow.objects.bulk_create([DatasetRow(dataset=dataset, position=first + index, values=dict(zip(columns, record)))
                                        for index, record in enumerate(rest)], batch_size=BULK_BATCH)
    Dataset.objects.filter(pk=dataset.pk).update(updated_at=timezone.now())
    return len(records)


@transaction.atomic
def insert_row(dataset: Dataset, *, after: DatasetRow | None = None, values: dict | None = None) -> DatasetRow:
    """A row after `after` (at the end without it), later rows moved down one place."""
    _check_rows_fit(dataset, 1)
    if after is None:
        return DatasetRow.objects.create(dataset=dataset, position=_next_position(dataset), values=values or {})
    dataset.rows.filter(position__gt=after.position).update(position=F("position") + 1)
    return DatasetRow.objects.create(dataset=dataset, position=after.position + 1, values=values or {})


def set_columns(dataset: Dataset, columns: list[str]) -> None:
    """Rename, add, remove or reorder columns; a removed column's values go with it, a renamed one's follow it.

    `columns` is the new list of names, each either an existing name or `old=>new`."""
    renames, names = {}, []
    for entry in columns:
        old, arrow, new = entry.partition("=>")
        name = column_name(new if arrow else old)
        if arrow:
            renames[column_name(old)] = name
        names.append(name)
    errors = [f"{problem}." for name in names if (problem := column_problem(name))]
    errors += [f"The column “{name}” appears twice." for name in {n for n in names if names.count(n) > 1}]
    if len(names) > MAX_COLUMNS:
        errors.append(f"At most {MAX_COLUMNS} columns.")
    if errors:
        raise ImportProblem(errors)
    with transaction.atomic():
        rows = list(dataset.rows.all())
        for row in rows:
            moved = {renames.get(key, key): value for key, value in row.values.items()}
            row.values = {key: value for key, value in moved.items() if key in names}
        DatasetRow.objects.bulk_update(rows, ["values"], batch_size=BULK_BATCH)
        dataset.columns = names
        dataset.save(update_fields=["columns", "updated_at"])


# Reading out


def rows_as_csv(dataset: Dataset):
    """The dataset as CSV lines (a header, then a line per row), for a streaming download."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(dataset.columns)
    yield "\ufeff" + flush()  # a BOM, so spreadsheet programs read the file as UTF-8
    for values in dataset.rows.order_by("position", "id").values_list("values", flat=True).iterator(chunk_size=BULK_BATCH):
        writer.writerow([values.get(column, "") for column in dataset.columns])
        yield flush()


def rows_as_jsonl(dataset: Dataset):
    for values in dataset.rows.order_by("position", "id").values_list("values", flat=True).iterator(chunk_size=BULK_BATCH):
        yield json.dumps({column: values[column] for column in dataset.columns if column in values}, ensure_ascii=False) + "\n"
