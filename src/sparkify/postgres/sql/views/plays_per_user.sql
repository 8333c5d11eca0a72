-- Q4 Plays per user: song plays, first and last play of every user who played at least one
-- song. (Distinct songs per user: count the user's rows in user_top_songs.)
-- Example: SELECT user_id, plays FROM plays_per_user ORDER BY plays DESC LIMIT 10;
CREATE OR REPLACE VIEW public.plays_per_user AS
SELECT user_id, count(*) AS plays, min(start_time) AS first_play, max(start_time) AS last_play
FROM public.songplays
GROUP BY user_id;
COMMENT ON VIEW public.plays_per_user IS
    'Q4: song plays, first and last play per user.';
