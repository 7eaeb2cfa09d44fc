-- pct_neet_other: Care leavers not in education, employment or training owing to other
-- circumstances.
-- A row is one year x home district, for care leavers aged $min_age to $max_age at their
-- birthday in the year (age at 31 March); age_band is 'All ages' (the age band filter does not
-- apply).
-- numerator = care leavers whose ACTIV is G5.
-- Care leavers: OC3 rows with IN_TOUCH completed; the denominator counts every one of them,
-- including those not in touch, refusing contact, returned home or died (CHOICE).
-- Parameters: $year_from, $year_to, $min_age, $max_age
-- Sources: care_leavers_in_year (queries/views/care_leavers_in_year.sql).
with

care_leavers as (
    select
        year,
        district_code,
        activity,
    from care_leavers_in_year
    where year between $year_from and $year_to
        and age between $min_age and $max_age
),

final as (
    select
        year,
        district_code,
        'All ages' as age_band,
        count_if(activity = 'G5')::bigint as numerator,
        count(*)::bigint as denominator,
    from care_leavers
    group by year, district_code
)

select * from final
order by year, district_code
