-- uasc_status_31_march: children looked after at 31 March, one row per child per year, with
-- whether each was an unaccompanied asylum-seeking child (UASC) on that day.
-- UASC at 31 March: in the year's uasc.csv with the date UASC status ceased (DUC) blank or after
-- 31 March (DUC is usually the 18th birthday, and may be in the future). A child whose status
-- ceased on or before 31 March is in care but no longer UASC then. A year without uasc.csv gives
-- every child false.
-- Sources: in_care_31_march, uasc.
with

in_care as (
    select
        year,
        child_id,
        district_code,
        age_band,
    from in_care_31_march
),

uasc_at_31_march as (
    select distinct
        year,
        child_id,
    from uasc
    where uasc_end_date is null
        or uasc_end_date > make_date(year, 3, 31)
),

final as (
    select
        in_care.year,
        in_care.child_id,
        in_care.district_code,
        in_care.age_band,
        uasc_at_31_march.child_id is not null as is_uasc_at_31_march,
    from in_care
    left join uasc_at_31_march
        on in_care.year = uasc_at_31_march.year
        and in_care.child_id = uasc_at_31_march.child_id
)

select * from final
