"""Every statement of the classic interface as a named string.

The text comes from the .sql files in src/sparkify/sql, which the loader runs too, so the
classic scripts and `sparkify` share one copy of the SQL. The INSERTs are set-based (they move
a batch from the staging tables into the star), each with the ON CONFLICT clause its table's
key needs.
"""

from sparkify.core.sqltext import read_sql
from sparkify.postgres.schema import DROP_STATEMENTS, table_statements, view_statements

# DROP TABLES (the statements of sparkify.core.tables, by what they drop)

_drop = {statement.split()[-2]: statement for statement in DROP_STATEMENTS}
songplay_table_drop = _drop["public.songplays"]
user_song_plays_table_drop = _drop["public.user_song_plays"]
event_table_drop = _drop["public.events"]
user_table_drop = _drop["public.users"]
song_table_drop = _drop["public.songs"]
artist_table_drop = _drop["public.artists"]
time_table_drop = _drop["public.time"]
staging_schema_drop = _drop["staging"]
staging2_schema_drop = _drop["staging2"]
bookkeeping_schema_drop = _drop["sparkify"]

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

# FIND SONGS: (title, artist name, length) -> (song_id, artist_id), length within the tolerance

song_select = read_sql("song_select")

# QUERY LISTS

create_table_queries = table_statements() + view_statements()  # views last
drop_table_queries = list(DROP_STATEMENTS)
