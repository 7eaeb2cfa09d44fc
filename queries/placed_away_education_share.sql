-- placed_away_education_share: education_share (queries/education_share.sql) for children
-- placed away from home and for those placed near, side by side.
-- A row is one year x home district x age band (at 31 March) x location (category, as
-- placement_location gives it); numerator = pupils with the outcome, denominator = cohort
-- children whose item is not blank. The locations of a cell add up to education_share's row.
-- $measure (item: outcome): persistent_absence (PERSISTENT_ABSENCE: 1); suspended (SUSPENSIONS:
-- 1 or more).
-- Parameters: $year_from, $year_to, $measure
-- Sources: cla_12_months_education, placement_location.
with

pupils as (
    select
        year,
        child_id,
        district_code,
        age_band,
        case $measure
            when 'persistent_absence' then is_persistently_absent = '1'
            when 'suspended' then suspensions::integer >= 1
            else error('unknown education measure: ' || $measure)
        end as has_outcome,
    from cla_12_months_education
    where year between $year_from and $year_to
        and case $measure
            when 'persistent_absence' then is_persistently_absent is not null
            when 'suspended' then suspensions is not null
        end
),

final as (
    select
        pupils.year,
        pupils.district_code,
        pupils.age_band,
        placement_location.location as category,
        count_if(pupils.has_outcome)::bigint as numerator,
        count(*)::bigint as denominator,
    from pupils
    inner join placement_location
        on pupils.year = placement_location.year
        and pupils.child_id = placement_location.child_id
    group by pupils.year, pupils.district_code, pupils.age_band, placement_location.location
)

select * from final
order by year, district_code, age_band, category
