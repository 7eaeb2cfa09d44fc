-- views: every figure the charts and tables of some indicators show for a selection, from the
-- protected figures the build wrote. A row is one figure of one view of one indicator:
--   selection: the chosen districts and age bands (a sum over them), each year [x category];
--   council:   the whole council for the chosen age bands, each year [x category];
--   district:  each district and the council, for the chosen age bands, in each year;
--   age_band:  each age band and all ages, for the chosen districts, in the latest year.
-- A figure over several published ones (parts > 1) is their sum, withheld when any part is: the
-- caller works out its value and limits from the summed counts. A figure of one part is as built.
-- $views names the views wanted; $bands apply to the indicators in $banded (the others have
-- all ages only).
-- Parameters: $indicator_ids, $banded, $views, $year_from, $year_to, $latest, $areas, $bands, $council
-- Sources: figures, districts, age_bands (extracts written by `carejsna build`).
with

chosen as (
    select *
    from figures
    where list_contains($indicator_ids, indicator_id)
        and year between $year_from and $year_to
),

in_bands as (
    select *,
    from chosen
    where list_contains($bands, age_band)
        or (age_band = 'All ages' and not list_contains($banded, indicator_id))
),

in_views as (
    select 'selection' as view, null as view_area, null as view_band, *,
    from in_bands
    where list_contains($areas, area_code) and list_contains($views, 'selection')
    union all
    select 'council' as view, area_code as view_area, null as view_band, *,
    from in_bands
    where area_code = $council and list_contains($views, 'council')
    union all
    select 'district' as view, area_code as view_area, null as view_band, *,
    from in_bands
    where list_contains($views, 'district')
    union all
    select 'age_band' as view, null as view_area, age_band as view_band, *,
    from chosen
    where year = $latest and list_contains($areas, area_code) and list_contains($views, 'age_band')
),

summed as (
    select
        indicator_id,
        any_value(unit) as unit,
        view,
        year,
        view_area as area_code,
        view_band as age_band,
        category,
        count(*) as parts,
        bool_or(symbol = 'c') as withheld,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        sum(sum_squares) as sum_squares,
        any_value(area_name) as area_name,
        any_value(area_type) as area_type,
        any_value(value) as value,
        any_value(lower_95) as lower_95,
        any_value(upper_95) as upper_95,
        any_value(lower_99_8) as lower_99_8,
        any_value(upper_99_8) as upper_99_8,
        any_value(symbol) as symbol,
        any_value(trend) as trend,
        any_value(trend_p) as trend_p,
    from in_views
    group by indicator_id, view, year, view_area, view_band, category
),

final as (
    select summed.*,
    from summed
    left join districts on districts.district_code = summed.area_code
    left join age_bands on age_bands.age_band = summed.age_band
    order by
        indicator_id,
        view,
        year,
        coalesce(districts.sort_order, 1e9),
        coalesce(age_bands.sort_order, if(summed.age_band = 'Unknown', 1e8, 1e9)),
        category
)

select * from final
