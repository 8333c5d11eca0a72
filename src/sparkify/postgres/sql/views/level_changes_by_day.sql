-- Q7 Conversion over time: upgrades and downgrades per UTC day (days without any are absent).
-- Example: SELECT day, upgrades, downgrades FROM level_changes_by_day ORDER BY day;
CREATE OR REPLACE VIEW public.level_changes_by_day AS
SELECT (changed_at AT TIME ZONE 'UTC')::date AS day,
       count(*) FILTER (WHERE change = 'upgrade') AS upgrades,
       count(*) FILTER (WHERE change = 'downgrade') AS downgrades
FROM public.level_changes
GROUP BY 1;
COMMENT ON VIEW public.level_changes_by_day IS
    'Q7: upgrades (free->paid) and downgrades (paid->free) per UTC day.';
