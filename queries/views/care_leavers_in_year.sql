-- care_leavers_in_year: care leavers of the year (OC3) with their age, home district, contact,
-- activity and accommodation, one row per care leaver per year.
-- A care leaver of the year = an OC3 row with IN_TOUCH completed: a blank IN_TOUCH marks a 17- or
-- 18-year-old still looked after on the birthday (DfE validator rule 1007), not a care leaver.
-- Age at 31 March of the year = the age reached at the birthday in the year, from header.csv's
-- date of birth, else OC3's (CHOICE; the build works out both ages, the extracts keep no
-- date of birth). District: as child_years gives it (for a care leaver with no
-- episode in the year, the latest episode of the most recent earlier return). Activity and
-- accommodation groups are codes.csv's groups; a blank code is grouped as not known, like 0.
-- Sources: care_leavers (oc3.csv), child_years, codes.
with

oc3_rows as (
    select
        year,
        child_id,
        age,
        in_touch,
        activity,
        accommodation,
    from care_leavers
    where in_touch is not null
),

child_districts as (
    select
        year,
        child_id,
        district_code,
        age,
    from child_years
),

activity_codes as (
    select
        code as activity,
        "group" as activity_group,
    from codes
    where field = 'ACTIV'
),

accommodation_codes as (
    select
        code as accommodation,
        "group" as accommodation_group,
    from codes
    where field = 'ACCOM'
),

with_age as (
    select
        oc3_rows.year,
        oc3_rows.child_id,
        coalesce(child_districts.district_code, 'UNKNOWN') as district_code,
        coalesce(child_districts.age, oc3_rows.age) as age,
        oc3_rows.in_touch,
        oc3_rows.activity,
        oc3_rows.accommodation,
    from oc3_rows
    left join child_districts
        on oc3_rows.year = child_districts.year
        and oc3_rows.child_id = child_districts.child_id
),

final as (
    select
        with_age.year,
        with_age.child_id,
        with_age.district_code,
        with_age.age,
        with_age.in_touch,
        with_age.activity,
        coalesce(activity_codes.activity_group, 'Not known') as activity_group,
        with_age.accommodation,
        coalesce(accommodation_codes.accommodation_group, 'Not known') as accommodation_group,
    from with_age
    left join activity_codes on with_age.activity = activity_codes.activity
    left join accommodation_codes on with_age.accommodation = accommodation_codes.accommodation
)

select * from final
