-- recommend_songs(user_id, how_many): what `sparkify recommend` answers. First the
-- co-listening picks (co_listening_recommendations, basis 'co-listening'); when they are fewer
-- than asked (a user with no plays, or whose songs nobody else played), the rest are the most
-- played songs overall that the user never played and that are not already picked (basis
-- 'popularity', score = plays, because_* NULL). Never a song the user played.
-- Example: SELECT rank, song, artist, score, because_song, basis FROM recommend_songs(49, 10);
CREATE OR REPLACE FUNCTION public.recommend_songs(p_user_id integer, p_limit integer DEFAULT 10)
RETURNS TABLE (rank integer, song text, artist text, score bigint, because_song text,
               because_artist text, basis text)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_custom_plan  -- see co_listening_recommendations
AS $$
DECLARE
    taken integer;
BEGIN
    RETURN QUERY
        SELECT c.rank, c.song, c.artist, c.score, c.because_song, c.because_artist,
               'co-listening'::text
        FROM public.co_listening_recommendations(p_user_id, p_limit) c
        ORDER BY c.rank;
    GET DIAGNOSTICS taken = ROW_COUNT;
    IF taken < p_limit THEN
        RETURN QUERY
            SELECT taken + (row_number() OVER (ORDER BY ps.rank))::integer, ps.song, ps.artist,
                   ps.plays, NULL::text, NULL::text, 'popularity'::text
            FROM public.popular_songs ps
            WHERE NOT EXISTS (SELECT 1 FROM public.songplays p  -- names as popular_songs shows them
                              WHERE p.user_id = p_user_id
                                AND sparkify.repaired(p.song_title) = ps.song
                                AND sparkify.repaired(p.artist_name) = ps.artist)
              AND NOT EXISTS (SELECT 1 FROM public.co_listening_recommendations(p_user_id, p_limit) c
                              WHERE c.song = ps.song AND c.artist = ps.artist)
            ORDER BY ps.rank
            LIMIT p_limit - taken;
    END IF;
END
$$;
COMMENT ON FUNCTION public.recommend_songs(integer, integer) IS
    'Q8: recommendations for a user: co-listening picks, topped up with popular songs; never a played song.';
