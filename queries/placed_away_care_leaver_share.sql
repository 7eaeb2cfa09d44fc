-- placed_away_care_leaver_share: care_leaver_share (queries/care_leaver_share.sql) for care
-- leavers whose last placement was away from home and for those placed near, side by side.
-- A row is one year x home district x location (category); age_band is 'All ages' (the age
-- band filter does not apply); numerator = care leavers aged $min_age to $max_age with the
-- outcome, denominator = every care leaver of the group. The locations of a cell add up to
-- care_leaver_share's row for the same measure and ages.
-- Location: as placement_location reads it (outside the council's districts or more than 20
-- miles from home = 'Placed away'; inside and 20 miles or less, both known = 'Placed near'; else
-- 'Location not known'), of the care leaver's last placement: the latest-starting episode in any
-- return up to the year's (CHOICE: the placement they left care from, or still hold; a care
-- leaver with no episode in the returns is 'Location not known').
-- $measure, by OC3 code: eet (ACTIV F1, P1, F2, P2, F3, P3, F4, P4, F5, P5),
-- suitable_accommodation (ACCOM ending in 1; a blank ACCOM is not suitable).
-- Parameters: $year_from, $year_to, $min_age, $max_age, $measure
-- Sources: care_leavers_in_year, care_episodes.
with

care_leavers as (
    select
        year,
        child_id,
        district_code,
        activity,
        accommodation,
    from care_leavers_in_year
    where year between $year_from and $year_to
        and age between $min_age and $max_age
),

last_placements as (
    select
        care_leavers.year,
        care_leavers.child_id,
        case
            when care_episodes.is_placed_outside_council
                or care_episodes.distance_miles > 20.0 then 'Placed away'
            when not care_episodes.is_placed_outside_council
                and care_episodes.distance_miles <= 20.0 then 'Placed near'
            else 'Location not known'
        end as location,
    from care_leavers
    inner join care_episodes
        on care_leavers.child_id = care_episodes.child_id
        and care_episodes.year <= care_leavers.year
    qualify row_number() over (
        partition by care_leavers.year, care_leavers.child_id
        order by care_episodes.start_date desc, care_episodes.year desc
    ) = 1
),

outcomes as (
    select
        care_leavers.year,
        care_leavers.district_code,
        coalesce(last_placements.location, 'Location not known') as category,
        case $measure
            when 'eet' then care_leavers.activity in (
                'F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5'
            )
            when 'suitable_accommodation' then coalesce(care_leavers.accommodation like '%1', false)
            else error('unknown care leaver measure: ' || $measure)
        end as has_outcome,
    from care_leavers
    left join last_placements
        on care_leavers.year = last_placements.year
        and care_leavers.child_id = last_placements.child_id
),

final as (
    select
        year,
        district_code,
        'All ages' as age_band,
        category,
        count_if(has_outcome)::bigint as numerator,
        count(*)::bigint as denominator,
    from outcomes
    group by year, district_code, category
)

select * from final
order by year, district_code, category
