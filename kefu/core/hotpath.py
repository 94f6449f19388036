"""SQL for the hottest paths (registration, token authentication): the ORM's statements without
compiling them again for every request.

Django compiles every queryset and every INSERT from scratch: for one registration that was about
9,000 of its 17,000 Python function calls, more than the statements' time in PostgreSQL
(docs/benchmarks.md, "Registration against the raw-INSERT limit"). The statements themselves do not
change between requests, only their values, so:

* `CompiledQuery` compiles a queryset shape once per process and database, and runs the same SQL
  with new values, turning rows into model instances (with `select_related` objects and
  annotations) the way the ORM does;
* `insert_rows` writes model instances with one cached `INSERT … RETURNING` per model and row
  count, taking each value through the field's own `pre_save` and `get_db_prep_save`
  (auto_now dates, JSON, time zones), as `Model.save()` would.

* `one_statement()` collects the `insert_rows` of a block (registration: the number increment, the
  case, its history, its clocks, the Idempotency-Key record) and writes them, on PostgreSQL, as one
  data-modifying `WITH` statement when the block ends: one round trip instead of five, and, when no
  transaction is open (`one_statement_alone()`), none for BEGIN and COMMIT either, since PostgreSQL
  runs a single statement all or nothing by itself.

All are for models without save signals or `save()` overrides: `insert_rows` falls back to the ORM
when a model has pre/post-save receivers, and each use is covered by a test comparing the result
with the ORM's (the one statement: with the rows written one by one, `KEFU_ONE_STATEMENT=0`).
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

try:  # PostgreSQL's driver; SQLite sites run without it
    import psycopg
except ImportError:  # pragma: no cover
    psycopg = None

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model, QuerySet, signals
from django.db.models.query import get_related_populators

__all__ = (
    "CompiledQuery",
    "SqlValue",
    "current_batch",
    "hot_rows",
    "insert_rows",
    "one_statement",
    "one_statement_alone",
)

M = TypeVar("M", bound=Model)


def _run(connection: Any, sql: str, params: list[Any], numbered: str | None = None) -> list[tuple[Any, ...]]:
    """Run a hot statement, return its rows.

    On PostgreSQL the statement is prepared once per connection (psycopg's `prepare=True`, with
    server-side binding), so the server does not parse and plan the same INSERT for every case and
    psycopg does not write the values into the text. Where statements are being logged or wrapped
    (tests counting queries, `connection.execute_wrapper`) or `KEFU_PREPARED_STATEMENTS` is off (a
    pooler that cannot keep prepared statements, docs/operations.md), Django's cursor runs it.
    `numbered`: the same statement with $1, $2 … placeholders, sent as it is (psycopg's RawCursor):
    psycopg caches its own conversion of `%s` only for statements under 4 KB, and a registration's
    one statement is longer.
    """
    if (
        connection.vendor == "postgresql"
        and settings.KEFU_PREPARED_STATEMENTS
        and not connection.queries_logged
        and not connection.execute_wrappers
    ):
        connection.validate_no_broken_transaction()
        connection.ensure_connection()
        cursor_class = psycopg.Cursor if numbered is None else psycopg.RawCursor
        with connection.wrap_database_errors, cursor_class(connection.connection) as cursor:
            cursor.execute(sql if numbered is None else numbered, params, prepare=True)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def hot_rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run one of the hot path's own SQL statements on the default database (prepared on PostgreSQL
    like the compiled ones) and return its rows."""
    return _run(connections[DEFAULT_DB_ALIAS], sql, params)


class _Compiled:
    def __init__(self, queryset: QuerySet, samples: Sequence[Any]) -> None:
        self.db = queryset.db
        self.vendor = connections[self.db].vendor
        compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots: list[int] = []
        for sample in samples:
            found = [i for i, p in enumerate(self.params) if p == sample and type(p) is type(sample)]
            if len(found) != 1:
                raise ValueError(f"the sample value {sample!r} must appear exactly once in the statement's parameters")
            self.slots.append(found[0])
        self.compiler = compiler
        klass_info = compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, compiler.select, self.db)
        self.annotations = dict(compiler.annotation_col_map or {})


class CompiledQuery(Generic[M]):
    """A queryset shape compiled once per process and database alias; `.first(*values)` runs it.

    `build(*samples)` must return the queryset for the sample values, each of which must appear
    exactly once among the statement's parameters (choose values no real query uses, e.g.
    "\\x00sample-key" or -2_000_000_001): their places are where the real values go.

        token_query = CompiledQuery(lambda key: AuthToken.objects.filter(token_key=key).select_related("user"), "\\x00k")
        token = token_query.first(text[:15])
    """

    def __init__(self, build: Callable[..., QuerySet[M]], *samples: Any) -> None:
        self._build = build
        self._samples = samples
        # Kefu has one database and no routers: the statement is compiled for the alias the first
        # queryset reads from (a test database has its own connection settings, not its own alias).
        self._compiled: _Compiled | None = None

    def all(self, *values: Any) -> list[M]:
        c = self._compiled
        if c is None or connections[c.db].vendor != c.vendor:
            c = self._compiled = _Compiled(self._build(*self._samples), self._samples)
        params = list(c.params)
        for slot, value in zip(c.slots, values, strict=True):
            params[slot] = value
        rows = _run(connections[c.db], c.sql, params)
        out: list[M] = []
        for row in c.compiler.results_iter(results=[rows]):
            obj = c.model.from_db(c.db, c.init_list, row[c.start : c.end])
            for populator in c.populators:
                populator.populate(row, obj)
            for name, position in c.annotations.items():
                setattr(obj, name, row[position])
            out.append(obj)
        return out

    def first(self, *values: Any) -> M | None:
        rows = self.all(*values)
        return rows[0] if rows else None


@functools.cache
def _plain(model: type[Model]) -> bool:
    """No field whose value the database supplies (a `db_default` without a Python default)."""
    return all(f.has_default() or not f.has_db_default() for f in model._meta.concrete_fields)


_insert_sql: dict[tuple[Any, ...], tuple[str, list[Any]]] = {}


class SqlValue:
    """A column value the database computes in the batch's statement (registration's case number,
    from the counter row the same statement increments). Text columns only: it is read back as text
    into the attribute once the statement has run."""

    __slots__ = ("params", "sql")

    def __init__(self, sql: str, params: list[Any]) -> None:
        self.sql, self.params = sql, params


class _Batch:
    """The INSERTs of one service call, collected, then written by one data-modifying statement:

        WITH "q0" AS (INSERT … RETURNING …),                        -- cte(): e.g. a counter row
             "i0" AS (INSERT INTO cases_case … VALUES (…, (SELECT … FROM "q0"), …) RETURNING *),
             "i1" AS (INSERT INTO cases_caseevent … VALUES ((SELECT "id" FROM "i0"), …) RETURNING *),
             …
        SELECT 0, "id", json_build_object(…) FROM "i0" UNION ALL SELECT 1, "id", NULL FROM "i1" …

    A foreign key to an object inserted earlier in the batch becomes `(SELECT "id" FROM "iN")`; the
    ids (and SqlValue columns) come back from the last SELECT and are set on the objects. The text
    depends only on the batch's shape (models, row counts, links, computed values), so it is built
    once per shape and process.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.ctes: list[tuple[str, list[Any]]] = []
        self.inserts: list[tuple[type[Model], Sequence[Model], tuple[str, ...]]] = []
        self.pending: dict[int, int] = {}  # id(obj) → index of its single-row insert
        self.callbacks: list[Callable[[], None]] = []

    def cte(self, sql: str, params: list[Any]) -> str:
        """Add a statement of one's own (e.g. `INSERT … ON CONFLICT … RETURNING "last"`); its name."""
        self.ctes.append((sql, params))
        return f'"q{len(self.ctes) - 1}"'

    def after(self, callback: Callable[[], None]) -> None:
        """Call `callback` once the statement has run (each function once per batch). Outside a
        transaction the statement has committed by then; inside one, the callback is what schedules
        work for the commit (`transaction.on_commit`)."""
        if callback not in self.callbacks:
            self.callbacks.append(callback)

    def add(self, model: type[Model], objs: Sequence[Model], on_conflict: tuple[str, ...]) -> None:
        if len(objs) == 1:
            self.pending[id(objs[0])] = len(self.inserts)
        self.inserts.append((model, objs, on_conflict))

    def run(self) -> None:
        if not self.inserts:
            for sql, params in self.ctes:  # nothing to insert: the statements of one's own alone
                _run(self.connection, sql, params)
            return
        connection, pending = self.connection, self.pending
        params: list[Any] = [p for _sql, ps in self.ctes for p in ps]
        shape: list[Any] = [sql for sql, _params in self.ctes]
        links: list[tuple[Model, str, Model]] = []  # (obj, fk attname, pending target)
        for model, objs, on_conflict in self.inserts:
            specials: list[tuple[int, int, Any]] = []  # (row, column, insert index or SqlValue sql)
            columns = _batch_fields(model)
            for row, obj in enumerate(objs):
                cache = obj._state.fields_cache
                for column, (field, attname, fk_cache) in enumerate(columns):
                    if fk_cache is not None:
                        target = cache.get(fk_cache)
                        if target is not None and target.pk is None and id(target) in pending:
                            specials.append((row, column, pending[id(target)]))
                            links.append((obj, attname, target))
                            continue
                    value = getattr(obj, attname)
                    if type(value) is SqlValue:
                        if len(objs) != 1:
                            raise ValueError("a computed value is supported in a single-row insert only")
                        specials.append((row, column, value.sql))
                        params.extend(value.params)
                        continue
                    params.append(field.get_db_prep_save(field.pre_save(obj, True), connection=connection))
            shape.append((model, len(objs), on_conflict, tuple(specials)))
        key = (connection.alias, tuple(shape))
        statement = _batch_sql.get(key)
        if statement is None:
            if len(_batch_sql) >= 256:  # a handful of shapes in practice; bounded all the same
                del _batch_sql[next(iter(_batch_sql))]
            statement = _batch_sql[key] = self._statement()
        sql, numbered = statement
        returned: dict[int, list[tuple[Any, Any]]] = {}
        for index, pk, extra in _run(connection, sql, params, numbered):
            returned.setdefault(index, []).append((pk, extra))
        db = connection.alias
        for index, (_model, objs, on_conflict) in enumerate(self.inserts):
            rows = returned.get(index, [])
            if on_conflict and not rows and len(objs) == 1:
                continue  # the key was taken: the object stays unsaved (pk None), as insert_rows leaves it
            for obj, (pk, extra) in zip(objs, rows, strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = db
                if extra:
                    for attname, value in extra.items():
                        setattr(obj, attname, value)
        for obj, attname, target in links:
            setattr(obj, attname, target.pk)
        for callback in self.callbacks:
            callback()

    def _statement(self) -> tuple[str, str]:
        """The statement's text for this batch's shape: with %s placeholders, and with $1, $2 …"""
        quote = self.connection.ops.quote_name
        parts = [f'"q{i}" AS ({sql})' for i, (sql, _params) in enumerate(self.ctes)]
        selects = []
        for index, (model, objs, on_conflict) in enumerate(self.inserts):
            meta = model._meta
            columns = _batch_fields(model)
            rows, values = [], []
            for obj in objs:
                cells = []
                cache = obj._state.fields_cache
                for field, attname, fk_cache in columns:
                    target = cache.get(fk_cache) if fk_cache is not None else None
                    if target is not None and target.pk is None and id(target) in self.pending:
                        cells.append(f'(SELECT {quote(target._meta.pk.column)} FROM "i{self.pending[id(target)]}")')
                    elif type(value := getattr(obj, attname)) is SqlValue:
                        cells.append(value.sql)
                        values.append(field)
                    else:
                        cells.append("%s")
                rows.append("(" + ", ".join(cells) + ")")
            conflict = f" ON CONFLICT ({', '.join(quote(c) for c in on_conflict)}) DO NOTHING" if on_conflict else ""
            parts.append(
                f'"i{index}" AS (INSERT INTO {quote(meta.db_table)} '
                f"({', '.join(quote(f.column) for f, _a, _c in columns)}) "
                f"VALUES {', '.join(rows)}{conflict} RETURNING *)"
            )
            extra = (
                "json_build_object("
                + ", ".join(f"'{f.attname}', CAST({quote(f.column)} AS text)" for f in values)
                + ")"
                if values
                else "NULL::json"
            )
            selects.append(f'SELECT {index}, {quote(meta.pk.column)}, {extra} FROM "i{index}"')
        sql = "WITH " + ", ".join(parts) + " " + " UNION ALL ".join(selects)
        return sql, _numbered(sql)


def _numbered(sql: str) -> str:
    """%s → $1, $2 … and %% → % (the statement as PostgreSQL takes it)."""
    pieces = re.split(r"(%s|%%)", sql)
    out, n = [], 0
    for piece in pieces:
        if piece == "%s":
            n += 1
            out.append(f"${n}")
        elif piece == "%%":
            out.append("%")
        else:
            out.append(piece)
    return "".join(out)


_batch_sql: dict[tuple[Any, ...], tuple[str, str]] = {}


@functools.cache
def _batch_fields(model: type[Model]) -> list[tuple[Any, str, str | None]]:
    """(field, attname, the related object's cache name for a foreign key) for each inserted column."""
    return [(f, f.attname, f.cache_name if f.is_relation else None) for f in _insert_fields(model)]


_batch = threading.local()


def current_batch() -> _Batch | None:
    """The batch collecting this thread's inserts (see `one_statement`), or None."""
    return getattr(_batch, "current", None)


def _batchable(connection: Any) -> bool:
    return connection.vendor == "postgresql" and settings.KEFU_ONE_STATEMENT and current_batch() is None


def one_statement_alone() -> bool:
    """Whether a `one_statement()` block would be the whole transaction: PostgreSQL, no transaction
    open. Such a statement needs no BEGIN and COMMIT around it (two round trips fewer): PostgreSQL
    runs it all or nothing by itself, and an error in any part of it (a unique key taken) undoes
    every part."""
    connection = connections[DEFAULT_DB_ALIAS]
    return _batchable(connection) and connection.get_autocommit() and not connection.in_atomic_block


@contextlib.contextmanager
def one_statement() -> Iterator[_Batch | None]:
    """Collect the block's `insert_rows` into one statement, run when the block ends without error.

    On PostgreSQL only (data-modifying WITH); elsewhere, or when `KEFU_ONE_STATEMENT` is off, or
    inside another batch, each insert runs at once as before and the block yields None. Inside the
    block the collected objects have no ids yet: nothing may read them back before it ends, and
    what must wait for the rows goes to `current_batch().after()`.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if not _batchable(connection):
        yield None
        return
    batch = _batch.current = _Batch(connection)
    try:
        yield batch
    finally:
        _batch.current = None
    batch.run()


def _insert_fields(model: type[Model]) -> list[Any]:
    meta = model._meta
    return [f for f in meta.concrete_fields if f is not meta.pk and not getattr(f, "generated", False)]


def insert_rows(objs: Sequence[M], *, on_conflict: tuple[str, ...] = ()) -> None:
    """INSERT new instances of one model (no primary key yet) in one statement; sets their ids.

    As `Model.save()` / `bulk_create()` would write them: each field's `pre_save(add=True)` (auto_now
    dates) and `get_db_prep_save` (the database's form of the value). A model with save signals goes
    through the ORM instead, so no receiver is ever skipped. `on_conflict` (the columns of a unique
    constraint) adds `ON CONFLICT (…) DO NOTHING` for a single row: taken, the object keeps pk None.
    Inside `one_statement()` the insert joins the batch and the ids are set when it runs.
    """
    if not objs:
        return
    if on_conflict and len(objs) != 1:
        raise ValueError("on_conflict is for a single row: which of several rows was taken is not known")
    model = type(objs[0])
    db = router.db_for_write(model)
    connection = connections[db]
    if (
        signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
        or not connection.features.can_return_columns_from_insert
        or not _plain(model)
    ):
        if on_conflict:
            raise ValueError(f"{model.__name__} has save receivers: on_conflict cannot go through the ORM")
        if len(objs) == 1:
            objs[0].save(force_insert=True, using=db)
        else:
            model._default_manager.using(db).bulk_create(objs)
        return
    batch = current_batch()
    if batch is not None and batch.connection is connection:
        batch.add(model, objs, on_conflict)
        return
    key = (db, model, len(objs), on_conflict)
    cached = _insert_sql.get(key)
    if cached is None:
        meta = model._meta
        fields = _insert_fields(model)
        quote = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        conflict = f" ON CONFLICT ({', '.join(quote(c) for c in on_conflict)}) DO NOTHING" if on_conflict else ""
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES {', '.join([row] * len(objs))}{conflict} RETURNING {quote(meta.pk.column)}"
        )
        cached = _insert_sql[key] = (sql, fields)
    sql, fields = cached
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection=connection) for obj in objs for field in fields
    ]
    ids = [row[0] for row in _run(connection, sql, params)]
    if on_conflict and not ids:
        return  # the key was taken: nothing written, the object stays unsaved
    # The rows come back in the order of the VALUES list, as Django's bulk_create relies on too.
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db
