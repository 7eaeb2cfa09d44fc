-- cla_breakdown: children looked after at 31 March by one characteristic, as a distribution.
-- A row is one year x home district x age band x category; numerator = children in the
-- category, denominator = all children looked after at 31 March in the cell.
-- $dimension names the characteristic by its SSDA903 field: SEX, ETHNIC (DfE's major ethnic
-- groups), LS (legal status group), CIN (category of need), PLACE (placement type group),
-- or PLACE_PROVIDER. Legal status, need, placement and provider are those of the episode
-- open at 31 March (the latest-starting one, were two open). A blank code is "Not recorded".
-- Parameters: $year_from, $year_to, $dimension
-- Sources: in_care_31_march, care_episodes, codes.
with

in_care as (
    select
        year,
        child_id,
        district_code,
        age_band,
        sex,
        ethnicity,
    from in_care_31_march
    where year between $year_from and $year_to
),

open_episodes as (
    select
        year,
        child_id,
        arg_max(legal_status, start_date) as legal_status,
        arg_max(category_of_need, start_date) as category_of_need,
        arg_max(placement_type, start_date) as placement_type,
        arg_max(placement_provider, start_date) as placement_provider,
    from care_episodes
    where start_date <= make_date(year, 3, 31)
        and (end_date is null or end_date > make_date(year, 3, 31))
        and year between $year_from and $year_to
    group by year, child_id
),

characteristics as (
    select
        in_care.year,
        in_care.district_code,
        in_care.age_band,
        case $dimension
            when 'SEX' then in_care.sex
            when 'ETHNIC' then in_care.ethnicity
            when 'LS' then open_episodes.legal_status
            when 'CIN' then open_episodes.category_of_need
            when 'PLACE' then open_episodes.placement_type
            when 'PLACE_PROVIDER' then open_episodes.placement_provider
        end as code,
    from in_care
    left join open_episodes
        on in_care.year = open_episodes.year
        and in_care.child_id = open_episodes.child_id
),

labelled as (
    select
        characteristics.year,
        characteristics.district_code,
        characteristics.age_band,
        coalesce(codes."group", characteristics.code, 'Not recorded') as category,
    from characteristics
    left join codes
        on codes.field = $dimension
        and codes.code = characteristics.code
),

final as (
    select
        year,
        district_code,
        age_band,
        category,
        count(*)::bigint as numerator,
        sum(count(*)) over (partition by year, district_code, age_band)::bigint as denominator,
    from labelled
    group by year, district_code, age_band, category
)

select * from final
order by year, district_code, age_band, category
