"""The Spark engine: the same ETL as the PostgreSQL loader, run as a PySpark job into a Parquet
lake (`sparkify lake build`), and the lake published into the warehouse (`lake publish`).

Both engines read the same rules: files are found by sources.py, each file is parsed and
validated on the Spark workers by records.py (through extract.parse_file, as the loader does),
and the set-based steps are SQL in sql/spark/ whose tolerance and tie-breaks are the macros of
core.sqltext. The table list and the lake's partitioning are tables.py's.

Needs the `spark` extra (pyspark, pyarrow) and Java 17; nothing is downloaded at run time.
"""
