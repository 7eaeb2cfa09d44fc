-- care_leaver_breakdown: care leavers by main activity or by type of accommodation ($dimension).
-- A row is one year x home district x category, for care leavers aged $min_age to $max_age at
-- their birthday in the year (age at 31 March); age_band is 'All ages' (the age band filter does
-- not apply). numerator = care leavers in the category, denominator = all care leavers of the
-- cell, so the categories of a cell add up to its denominator.
-- Care leavers: OC3 rows with IN_TOUCH completed, including those not in touch, refusing
-- contact, returned home or died (CHOICE). $dimension: activity (codes.csv's groups of ACTIV) or
-- accommodation (codes.csv's groups of ACCOM, suitable and not suitable together); a blank code
-- is grouped with 0 as not known.
-- Parameters: $year_from, $year_to, $min_age, $max_age, $dimension
-- Sources: care_leavers_in_year (queries/views/care_leavers_in_year.sql), codes (codes.csv
-- groups).
with

care_leavers as (
    select
        year,
        district_code,
        case $dimension
            when 'activity' then activity_group
            when 'accommodation' then accommodation_group
            else error('unknown care leaver breakdown: ' || $dimension)
        end as category,
    from care_leavers_in_year
    where year between $year_from and $year_to
        and age between $min_age and $max_age
),

categories as (
    select
        year,
        district_code,
        category,
        count(*)::bigint as care_leavers,
    from care_leavers
    group by year, district_code, category
),

final as (
    select
        year,
        district_code,
        'All ages' as age_band,
        category,
        care_leavers as numerator,
        sum(care_leavers) over (partition by year, district_code)::bigint as denominator,
    from categories
)

select * from final
order by year, district_code, category
