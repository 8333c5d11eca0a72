"""Every statement of the classic interface as a named string.

The text comes from the .sql files in src/sparkify/sql, which the loader runs too, so the
classic scripts and `sparkify` share one copy of the SQL. The INSERTs are set-based (they move
a batch from the staging tables into the star), each with the ON CONFLICT clause its table's
key needs.
"""

from sparkify.db import read_sql
from sparkify.schema import DROP_STATEMENTS, table_statements, view_statements

# DROP TABLES

songplay_table_drop, user_song_plays_table_drop, event_table_drop, user_table_drop, \
    song_table_drop, artist_table_drop, time_table_drop, staging_schema_drop, staging2_schema_drop, bookkeeping_schema_drop = \
    DROP_STATEMENTS

# CREATE TABLES

schema_create = read_sql("create_schemas")
artist_table_create = read_sql("create_artists")
song_table_create = read_sql("create_songs")
user_table_create = read_sql("create_users")
time_table_create = read_sql("create_time")
songplay_table_create = read_sql("create_songplays")
user_song_plays_table_create = read_sql("create_user_song_plays")  # counts kept by triggers
event_table_create = read_sql("create_events")
bookkeeping_table_create = read_sql("create_bookkeeping")
staging_table_create = read_sql("create_staging")

# INSERT RECORDS (from the staging tables, a batch at a time)

artist_table_insert = read_sql("insert_artists")
song_table_insert = read_sql("insert_songs")
user_table_insert = read_sql("insert_users")
time_table_insert = read_sql("insert_time")
event_table_insert = read_sql("insert_events")
songplay_table_insert = read_sql("insert_songplays")

# FIND SONGS: (title, artist name, length) -> (song_id, artist_id), length within 0.01 s

song_select = read_sql("song_select")

# QUERY LISTS

create_table_queries = table_statements() + view_statements()  # views last
drop_table_queries = list(DROP_STATEMENTS)
