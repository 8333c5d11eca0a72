-- Spark SQL. The kept NextSong events; each takes the song_id and artist_id of the song with
-- its title and artist name whose duration is within the match tolerance of its length, the
-- closest first (rules.MATCH_TOLERANCE and its tie-break), as insert_songplays.sql. The songs
-- and artists are small beside the plays: sent whole to each task, so the join moves no plays.
WITH plays AS (
    SELECT * FROM events_all WHERE page = 'NextSong' AND NOT duplicate
), matches AS (
    SELECT file_idx, line, song_id, artist_id
    FROM (
        SELECT /*+ BROADCAST(so, a) */ p.file_idx, p.line, so.song_id, so.artist_id,
               row_number() OVER (PARTITION BY p.file_idx, p.line
                                  ORDER BY {{closest_match(so.duration, p.length, so.song_id)}})
                   AS rank
        FROM plays p
        JOIN songs so ON so.title = p.song
        JOIN artists a ON a.artist_id = so.artist_id AND a.name = p.artist
        WHERE {{within_tolerance(so.duration, p.length)}}
    ) ranked
    WHERE rank = 1
)
SELECT timestamp_millis(p.ts) AS start_time, p.user_id, p.level, m.song_id, m.artist_id,
       p.session_id, p.item_in_session, p.location, p.user_agent, p.song AS song_title,
       p.artist AS artist_name, p.length AS song_length, p.path AS source_path,
       p.line AS source_line,
       year(timestamp_millis(p.ts)) AS year, month(timestamp_millis(p.ts)) AS month
FROM plays p
LEFT JOIN matches m ON m.file_idx = p.file_idx AND m.line = p.line
