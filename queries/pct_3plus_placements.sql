-- pct_3plus_placements: children looked after at 31 March who had three or more placements during
-- the year.
-- A row is one year x home district x age band (at 31 March); numerator = children with 3 or more
-- placements in the year, denominator = children looked after at 31 March.
-- Placements in the year: the child's episodes open at any time from 1 April to 31 March,
-- earlier periods of care in the year included (an episode that ended on 1 April is last year's).
-- The first of them (the placement held on 1 April, or the first in the year) counts 1; each later
-- one counts 1 if it began a new placement (placement_episodes: reason for new episode S, P or B,
-- not temporary PLACE T0 to T4, not a return to the same placement after a temporary one).
-- CHOICE: temporary placements and returns from them are not placements (the definitions file);
-- T and U (same carer) and L (legal status only) never begin one. Episodes as the latest return
-- gives them (episode_history).
-- Parameters: $year_from, $year_to
-- Sources: in_care_31_march, placement_episodes.
with

in_care as (
    select
        year,
        child_id,
        district_code,
        age_band,
    from in_care_31_march
    where year between $year_from and $year_to
),

placement_episodes as (
    select
        child_id,
        start_date,
        end_date,
        is_new_placement,
    from placement_episodes
),

episodes_in_year as (
    select
        in_care.year,
        in_care.child_id,
        placement_episodes.is_new_placement,
        row_number() over (
            partition by in_care.year, in_care.child_id
            order by placement_episodes.start_date
        ) as number_in_year,
    from in_care
    inner join placement_episodes
        on in_care.child_id = placement_episodes.child_id
        and placement_episodes.start_date <= make_date(in_care.year, 3, 31)
        and (
            placement_episodes.end_date is null
            or placement_episodes.end_date > make_date(in_care.year - 1, 4, 1)
        )
),

placements_in_year as (
    select
        year,
        child_id,
        count(*) filter (where number_in_year = 1 or is_new_placement) as placements,
    from episodes_in_year
    group by year, child_id
),

children as (
    select
        in_care.year,
        in_care.district_code,
        in_care.age_band,
        coalesce(placements_in_year.placements, 0) as placements,
    from in_care
    left join placements_in_year
        on in_care.year = placements_in_year.year
        and in_care.child_id = placements_in_year.child_id
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
