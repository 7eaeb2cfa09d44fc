-- pct_3plus_placements: children looked after at 31 March who had three or more placements during
-- the year.
-- A row is one year x home district x age band (at 31 March); numerator = children with 3 or more
-- placements in the year, denominator = children looked after at 31 March.
-- Placements in the year: as placements_in_year (queries/views/placements_in_year.sql) counts
-- them: the child's episodes open at any time from 1 April to 31 March, earlier periods of care in
-- the year included; the first counts 1, each later one 1 if it began a new placement.
-- CHOICE: temporary placements and returns from them are not placements (the definitions file);
-- T and U (same carer) and L (legal status only) never begin one. Episodes as the latest return
-- gives them (episode_history).
-- Parameters: $year_from, $year_to
-- Sources: placements_in_year.
with

children as (
    select
        year,
        district_code,
        age_band,
        placements,
    from placements_in_year
    where year between $year_from and $year_to
),

final as (
    select
        year,
        district_code,
        age_band,
        count(*) filter (where placements >= 3)::bigint as numerator,
        count(*)::bigint as denominator,
    from children
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
