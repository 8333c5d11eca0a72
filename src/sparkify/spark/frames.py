"""Small DataFrames made on the driver, handed to Spark as Arrow: the build's file list, the
names, the duplicates' rejects, the paths and hashes of the files Spark reads, the inputs of
the `python` parse, the empty frames of a kind with nothing to parse; and the driver's parse.

Made from a Python list, a DataFrame's rows are pickled, and Spark starts Python workers only
to read them back (bench/RESULTS.md, session 22); an Arrow table goes straight into the JVM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def arrow_schema(ddl: str) -> Any:
    """The Arrow schema of a DDL string (`file_idx int, path string`), as PySpark maps types."""
    from pyspark.sql.pandas.types import to_arrow_schema
    from pyspark.sql.types import DataType, StructType

    struct = DataType.fromDDL(ddl)
    assert isinstance(struct, StructType), ddl
    return to_arrow_schema(struct)


def batch(rows: Iterable[Sequence[Any]], schema: Any) -> Any:
    """An Arrow record batch of `rows` (tuples in the order of the Arrow `schema`)."""
    import pyarrow as pa

    columns: list[Any] = list(zip(*rows, strict=True)) or [() for _ in schema]
    return pa.RecordBatch.from_arrays(
        [pa.array(values, type=field.type) for values, field in zip(columns, schema,
                                                                      strict=True)],
        schema=schema)


def small(spark: Any, rows: Iterable[Sequence[Any]], ddl: str) -> Any:
    """A DataFrame of `rows` (tuples in the order of `ddl`'s columns)."""
    import pyarrow as pa

    return spark.createDataFrame(pa.Table.from_batches([batch(rows, arrow_schema(ddl))]))
