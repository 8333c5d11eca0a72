-- Users of the batch whose latest event ties on ts with the event their row was taken from.
-- The tie goes to the later path, then line (rules.USER_LATEST), which a users row does not
-- hold: refresh_users.sql settles these from events once the batch's events are in.
CREATE TEMP TABLE IF NOT EXISTS users_to_refresh (user_id integer) ON COMMIT DROP;

INSERT INTO users_to_refresh
SELECT u.user_id
FROM (SELECT user_id, max(ts) AS ts
      FROM staging.events
      WHERE user_id IS NOT NULL
      GROUP BY user_id) latest
JOIN public.users u ON u.user_id = latest.user_id
                   AND u.last_seen_at = {{ms_to_timestamp(latest.ts)}};
