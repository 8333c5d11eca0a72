-- Q5 Each user's taste in one row: plays, most played artist and song (ranked and tied
-- exactly as rank 1 of user_top_artists / user_top_songs, names repaired). Only users with
-- plays. Only rank 1 is needed, so each user's plays are grouped and the best one kept (a
-- top-1 heap, no full sort, no window), reading that user's range of the (user, artist, song)
-- index; ranking every user's artists and songs first took twice the CPU on 100x data.
-- Example: SELECT * FROM user_preferences ORDER BY plays DESC LIMIT 10;
CREATE OR REPLACE VIEW public.user_preferences AS
SELECT p.user_id, p.plays,
       a.artist AS top_artist, a.plays AS top_artist_plays,
       s.song AS top_song, s.artist AS top_song_artist, s.plays AS top_song_plays
FROM public.plays_per_user p
CROSS JOIN LATERAL (
    SELECT coalesce(n.repaired, sp.artist_name) AS artist, count(*) AS plays
    FROM public.songplays sp
    LEFT JOIN sparkify.names n ON n.verbatim = sp.artist_name
    WHERE sp.user_id = p.user_id
    GROUP BY 1
    ORDER BY count(*) DESC, 1 USING ~<~
    LIMIT 1) a
CROSS JOIN LATERAL (
    SELECT coalesce(nt.repaired, sp.song_title) AS song,
           coalesce(na.repaired, sp.artist_name) AS artist, count(*) AS plays
    FROM public.songplays sp
    LEFT JOIN sparkify.names nt ON nt.verbatim = sp.song_title
    LEFT JOIN sparkify.names na ON na.verbatim = sp.artist_name
    WHERE sp.user_id = p.user_id
    GROUP BY 1, 2
    ORDER BY count(*) DESC, 1 USING ~<~, 2 USING ~<~
    LIMIT 1) s;
COMMENT ON VIEW public.user_preferences IS
    'Q5: per user: plays, most played artist and most played song (names repaired).';
