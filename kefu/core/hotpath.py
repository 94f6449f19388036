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

Both are for models without save signals or `save()` overrides: `insert_rows` falls back to the ORM
when a model has pre/post-save receivers, and each use is covered by a test comparing the result
with the ORM's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

try:  # PostgreSQL's driver; SQLite sites run without it
    import psycopg
except ImportError:  # pragma: no cover
    psycopg = None

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model, QuerySet, signals
from django.db.models.query import get_related_populators

__all__ = ("CompiledQuery", "hot_rows", "insert_rows")

M = TypeVar("M", bound=Model)


def _run(connection: Any, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    """Run a hot statement, return its rows.

    On PostgreSQL the statement is prepared once per connection (psycopg's `prepare=True`, with
    server-side binding), so the server does not parse and plan the same INSERT for every case and
    psycopg does not write the values into the text. Where statements are being logged or wrapped
    (tests counting queries, `connection.execute_wrapper`) or `KEFU_PREPARED_STATEMENTS` is off (a
    pooler that cannot keep prepared statements, docs/operations.md), Django's cursor runs it.
    """
    if (
        connection.vendor == "postgresql"
        and settings.KEFU_PREPARED_STATEMENTS
        and not connection.queries_logged
        and not connection.execute_wrappers
    ):
        connection.validate_no_broken_transaction()
        connection.ensure_connection()
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
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


_insert_sql: dict[tuple[str, type[Model], int], tuple[str, list[Any]]] = {}


def insert_rows(objs: Sequence[M]) -> None:
    """INSERT new instances of one model (no primary key yet) in one statement; sets their ids.

    As `Model.save()` / `bulk_create()` would write them: each field's `pre_save(add=True)` (auto_now
    dates) and `get_db_prep_save` (the database's form of the value). A model with save signals goes
    through the ORM instead, so no receiver is ever skipped.
    """
    if not objs:
        return
    model = type(objs[0])
    db = router.db_for_write(model)
    connection = connections[db]
    if (
        signals.pre_save.has_listeners(model)
        or signals.post_save.has_listeners(model)
        or not connection.features.can_return_columns_from_insert
        or not _plain(model)
    ):
        if len(objs) == 1:
            objs[0].save(force_insert=True, using=db)
        else:
            model._default_manager.using(db).bulk_create(objs)
        return
    key = (db, model, len(objs))
    cached = _insert_sql.get(key)
    if cached is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if f is not meta.pk and not getattr(f, "generated", False)]
        quote = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES {', '.join([row] * len(objs))} RETURNING {quote(meta.pk.column)}"
        )
        cached = _insert_sql[key] = (sql, fields)
    sql, fields = cached
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection=connection) for obj in objs for field in fields
    ]
    ids = [row[0] for row in _run(connection, sql, params)]
    # The rows come back in the order of the VALUES list, as Django's bulk_create relies on too.
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db
