-- Q1 How much of the listening the song catalog covers: plays whose title, artist and length
-- matched a song in song_data (songplays.song_id set), as a count and a fraction (0 when there
-- are no plays). Read popularity beside it: a low rate means catalog joins would hide plays.
-- Example: SELECT plays, matched_plays, match_rate FROM catalog_match_rate;
CREATE OR REPLACE VIEW public.catalog_match_rate AS
SELECT count(*) AS plays,
       count(song_id) AS matched_plays,
       coalesce(count(song_id)::double precision / NULLIF(count(*), 0), 0) AS match_rate
FROM public.songplays;
COMMENT ON VIEW public.catalog_match_rate IS
    'Q1: song plays, plays matched to the song catalog, and the matched fraction.';
