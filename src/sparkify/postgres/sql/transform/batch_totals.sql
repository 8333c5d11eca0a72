-- What the batch's files became (after duplicates were counted): for the load's summary.
SELECT coalesce(sum(m.records_read), 0), coalesce(sum(m.records_loaded), 0),
       coalesce(sum(m.song_plays), 0), coalesce(sum(m.other_pages), 0),
       coalesce(sum(m.rejected), 0), count(*)
FROM sparkify.manifest m
WHERE m.file_id IN (SELECT file_id FROM staging.files);
