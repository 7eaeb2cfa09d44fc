-- care_leaver_share: the share of care leavers of an age group with one outcome ($measure).
-- A row is one year x home district, for care leavers aged $min_age to $max_age at their
-- birthday in the year (age at 31 March); age_band is 'All ages' (the age band filter does not
-- apply). numerator = care leavers with the outcome; denominator = every care leaver of the
-- group: OC3 rows with IN_TOUCH completed, including those not in touch, refusing contact,
-- returned home or died (CHOICE).
-- $measure, by OC3 code: eet (ACTIV F1, P1, F2, P2, F3, P3, F4, P4, F5, P5), neet (G4, G5,
-- G6), neet_illness (G4), neet_pregnancy (G6), neet_other (G5), activity_not_known (ACTIV 0 or
-- blank), suitable_accommodation (ACCOM ending in 1; a blank ACCOM is not suitable), in_touch
-- (IN_TOUCH YES only: NO, REFU, NREQ, RHOM and DIED are not in touch, CHOICE).
-- Parameters: $year_from, $year_to, $min_age, $max_age, $measure
-- Sources: care_leavers_in_year (queries/views/care_leavers_in_year.sql).
with

care_leavers as (
    select
        year,
        district_code,
        in_touch,
        activity,
        accommodation,
    from care_leavers_in_year
    where year between $year_from and $year_to
        and age between $min_age and $max_age
),

outcomes as (
    select
        year,
        district_code,
        case $measure
            when 'eet' then activity in ('F1', 'P1', 'F2', 'P2', 'F3', 'P3', 'F4', 'P4', 'F5', 'P5')
            when 'neet' then activity in ('G4', 'G5', 'G6')
            when 'neet_illness' then activity = 'G4'
            when 'neet_pregnancy' then activity = 'G6'
            when 'neet_other' then activity = 'G5'
            when 'activity_not_known' then activity is null or activity = '0'
            when 'suitable_accommodation' then coalesce(accommodation like '%1', false)
            when 'in_touch' then in_touch = 'YES'
            else error('unknown care leaver measure: ' || $measure)
        end as has_outcome,
    from care_leavers
),

final as (
    select
        year,
        district_code,
        'All ages' as age_band,
        count_if(has_outcome)::bigint as numerator,
        count(*)::bigint as denominator,
    from outcomes
    group by year, district_code
)

select * from final
order by year, district_code
