UPDATE sparkify.manifest
SET records_read = %s, records_loaded = %s, song_plays = %s, other_pages = %s, rejected = %s
WHERE file_id = %s
