-- child_years: each child in each year's return, with age and age band at 31 March and district.
-- Age is in whole years at 31 March of the year; a child with no date of birth has band Unknown.
-- District: the home district the build gave the child for the year (Unknown where not known).
-- Sources: children, age_bands.
with

ages as (
    select
        year,
        child_id,
        sex,
        ethnicity,
        is_uasc,
        district_code,
        date_sub('year', birth_date, make_date(year, 3, 31)) as age,
    from children
),

final as (
    select
        ages.year,
        ages.child_id,
        ages.sex,
        ages.ethnicity,
        ages.is_uasc,
        ages.district_code,
        ages.age,
        coalesce(age_bands.age_band, 'Unknown') as age_band,
    from ages
    left join age_bands on ages.age between age_bands.min_age and age_bands.max_age
)

select * from final
