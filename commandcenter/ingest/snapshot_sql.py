"""Snapshot health where the snapshots already live: the statistics as SQL, aggregates back.

``warehouse_health`` runs a handful of aggregate queries through SQLAlchemy
on a table of ``profile_id, score`` rows (and, when named, the previous and
the reference snapshot's tables): count, mean and quantiles, the drop shares
by a join on profile id, and the counts per fixed bin (the same log-linear
bins as the file path, 256 per octave, computed from ``log2``) from which
PSI and KS follow. No profile row leaves the database: the largest answer is
the bin counts, a few thousand rows.

Any engine with an SQLAlchemy dialect and ordered-set (or DuckDB's)
quantiles works: DuckDB (the embedded default; a ``.parquet`` path as the
table reads that file), PostgreSQL, Trino (``trino://``), Spark SQL
(``hive://`` through PyHive). Bad rows are refused before anything is
stored, naming a profile id and the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import (
    Engine,
    Float,
    case,
    cast,
    column,
    create_engine,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.sql import FromClause

from commandcenter.domain.errors import InvalidInput
from commandcenter.domain.snapshot_health import (
    DROP_FRACTIONS,
    MAX_SCORE,
    QUANTILES,
    SUB_BITS,
    ScoreBins,
    SnapshotHealth,
    ks_statistic,
    population_stability_index,
)

DUCKDB_DEFAULT = "duckdb:///:memory:"
_FLOAT32_BIAS = 127  # the fixed bins' index: (exponent + bias) << SUB_BITS | mantissa bits


@dataclass(frozen=True, slots=True)
class WarehouseTables:
    current: str
    previous: str | None = None
    reference: str | None = None


def connect(url: str | None) -> Engine:
    try:
        return create_engine(url or DUCKDB_DEFAULT)
    except Exception as exc:  # a missing driver or a malformed URL: the user's to fix
        if url is None:
            raise InvalidInput("sql-url: the embedded engine needs the duckdb and "
                               "duckdb-engine packages, which this installation does not "
                               "include; give --sql-url for your warehouse") from None
        raise InvalidInput(f"sql-url: {exc}") from None


def source(engine: Engine, name: str) -> FromClause:
    """A table (``schema.table`` allowed) or, on DuckDB, a Parquet file's path."""
    if name.lower().endswith(".parquet"):
        if engine.dialect.name != "duckdb":
            raise InvalidInput(f"table: {name} is a Parquet file; read it with DuckDB "
                               "(leave out --sql-url)")
        path = name.replace("'", "''")
        return select(literal_column("profile_id"), literal_column("score")).select_from(
            text(f"read_parquet('{path}')")).subquery("snapshot")
    schema, _, bare = name.rpartition(".")
    if not bare.replace("_", "").isalnum() or (schema and not schema.replace("_", "").isalnum()):
        raise InvalidInput(f"table: {name!r} is not a plain [schema.]table name")
    return table(bare, column("profile_id"), column("score"), schema=schema or None)


def _bin_expression(score: Any, dialect: str) -> Any:
    """The fixed bin of a score in SQL: the float32 exponent and top mantissa bits."""
    # A log2 rounded one off at a power of two still lands in the right bin: the
    # index below is continuous across octave edges.
    log2 = func.ln(score) / func.ln(2.0) if dialect == "postgresql" else func.log2(score)
    exponent = func.floor(log2)
    scaled = score / func.power(2.0, exponent) - 1.0  # in [0, 1)
    index = (exponent + _FLOAT32_BIAS) * (1 << SUB_BITS) + func.floor(scaled * (1 << SUB_BITS))
    return case((score <= 0, 0), else_=cast(index, Float))


def _check(conn: Any, src: FromClause, name: str) -> int:
    score, pid = src.c.score, src.c.profile_id
    bad = conn.execute(select(pid, score).where(
        (score.is_(None)) | (score < 0) | (score > MAX_SCORE) | (pid.is_(None))).limit(1)).first()
    if bad is not None:
        value = None if bad[1] is None else float(bad[1])
        why = ("missing" if value is None else f"{value:g} is negative" if value < 0
               else f"{value:g} is above the largest score, {MAX_SCORE:g}")
        field = "profile_id: missing" if bad[0] is None else f"score: {why}"
        raise InvalidInput(f"table {name}: profile_id {bad[0]}: {field}")
    dup = conn.execute(select(pid).group_by(pid).having(func.count() > 1).limit(1)).first()
    if dup is not None:
        raise InvalidInput(f"table {name}: profile_id {dup[0]}: appears more than once")
    return int(conn.execute(select(func.count()).select_from(src)).scalar_one())


def _quantiles(conn: Any, src: FromClause, dialect: str) -> list[float]:
    score = src.c.score
    if dialect == "duckdb":
        exprs = [func.quantile_cont(score, q) for q in QUANTILES]
    elif dialect == "trino":  # no ordered-set aggregates: its own quantile digest
        exprs = [func.approx_percentile(score, q) for q in QUANTILES]
    else:
        exprs = [func.percentile_cont(q).within_group(score) for q in QUANTILES]
    return [float(v) for v in conn.execute(select(*exprs)).one()]


def _bins(conn: Any, src: FromClause, dialect: str) -> ScoreBins:
    b = _bin_expression(src.c.score, dialect).label("bin")
    rows = conn.execute(select(b, func.count()).group_by(b).order_by(b)).all()
    index = np.array([int(r[0]) for r in rows], dtype=np.int64)
    return ScoreBins(index, np.array([int(r[1]) for r in rows], dtype=np.int64))


def _drops(conn: Any, cur: FromClause, prev: FromClause) -> tuple[int, tuple[float | None, ...]]:
    p = prev.alias("p") if hasattr(prev, "alias") else prev
    c = cur.alias("c") if hasattr(cur, "alias") else cur
    joined = c.join(p, c.c.profile_id == p.c.profile_id)
    counts = [func.sum(case((c.c.score < (1.0 - f) * p.c.score, 1), else_=0))
              for f in DROP_FRACTIONS]
    row = conn.execute(select(func.count(), *counts).select_from(joined)
                       .where(p.c.score > 0)).one()
    matched = int(row[0])
    if matched == 0:
        return 0, (None,) * len(DROP_FRACTIONS)
    return matched, tuple(int(x or 0) / matched for x in row[1:])


def warehouse_health(engine: Engine, tables: WarehouseTables) -> tuple[SnapshotHealth, str]:
    """The snapshot's statistics, computed in the database; and a label for its source."""
    dialect = engine.dialect.name
    with engine.connect() as conn:
        cur = source(engine, tables.current)
        count = _check(conn, cur, tables.current)
        if count == 0:
            raise InvalidInput(f"table {tables.current}: no profile with a score")
        mean = float(conn.execute(select(func.avg(cur.c.score))).scalar_one())
        p05, p25, p50, p75, p95 = _quantiles(conn, cur, dialect)
        psi = ks = None
        if tables.reference:
            ref = source(engine, tables.reference)
            _check(conn, ref, tables.reference)
            mine, theirs = _bins(conn, cur, dialect), _bins(conn, ref, dialect)
            if theirs.total:
                psi = population_stability_index(theirs, mine)
                ks = ks_statistic(theirs, mine)
        matched, shares = 0, (None,) * len(DROP_FRACTIONS)
        if tables.previous:
            prev = source(engine, tables.previous)
            _check(conn, prev, tables.previous)
            matched, shares = _drops(conn, cur, prev)
    health = SnapshotHealth(count, 0, mean, p05, p25, p50, p75, p95, matched, shares[0],
                            shares[1], shares[2], psi, ks)
    url = engine.url.render_as_string(hide_password=True)
    return health, f"{url} {tables.current}"


__all__: Sequence[str] = ("DUCKDB_DEFAULT", "WarehouseTables", "connect", "warehouse_health")
