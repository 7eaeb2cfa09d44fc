-- views: every figure the charts and tables of some indicators show for a selection, from the
-- protected figures the build wrote. A row is one figure of one view of one indicator:
--   selection: the chosen districts and age bands (a sum over them), each year [x category];
--   council:   the whole council for the chosen age bands, each year [x category];
--   each:      each chosen district alone, for the chosen age bands, each year (several
--              districts side by side: a line each);
--   district:  each district and the council, for the chosen age bands, in each year;
--   age_band:  each age band and all ages, for the chosen districts, in the latest year;
--   council_band: each age band and all ages of the whole council, in the latest year (what
--              a district's bands are compared with);
--   age_bands, council_bands: the same two in every year (each age band over time).
-- A figure over several published ones (parts > 1) is their sum, withheld when any part is: the
-- caller works out its value and limits from the summed counts. A figure of one part is as built.
-- Rounded ($rounded), each part's counts of children are rounded to the nearest 5 (half to
-- even, as disclosure.rounded) before they are summed, an average's total of scores and sum of
-- squares worked out again from its rounded number of children: a sum of exact counts, rounded,
-- would give them back (every subset of districts added together, each rounded, has one
-- solution in the exact counts).
-- $views names the views wanted; $bands apply to the indicators in $banded (the others have
-- all ages only). Areas and age bands come in the order of $area_order and $band_order (the
-- districts and age_bands extracts' order; Unknown after the bands, All ages last).
-- One scan and one grouping, each published figure listed once per view it is in: a read is
-- planned in a few milliseconds, and a page makes one or two.
-- Parameters: $indicator_ids, $banded, $views, $rounded, $year_from, $year_to, $latest, $areas, $bands, $council, $area_order, $band_order
-- Sources: figures (the extract written by `carejsna build`).
with

published as (
    select
        *,
        round_even(numerator / 5, 0) * 5 as numerator_5,
        round_even(denominator / 5, 0) * 5 as denominator_5,
        -- an average's spread: (sum of squares - total^2 / n) / (n - 1), kept with n rounded
        (sum_squares - numerator ^ 2 / denominator) / (denominator - 1) as variance,
    from figures
    where list_contains($indicator_ids, indicator_id)
        and year between $year_from and $year_to
        -- only the rows some view wanted takes: at national scale most areas are in none
        and (
            list_contains($areas, area_code)
            or area_code = $council
            or list_contains($views, 'district')
        )
),

parts as (
    select
        * exclude (numerator_5, denominator_5, variance) replace (
            case
                when not $rounded then numerator
                when unit = 'mean' then value * denominator_5
                else numerator_5
            end as numerator,
            if($rounded and unit in ('percent', 'mean'), denominator_5, denominator)
                as denominator,
            if($rounded and unit = 'mean',
                variance * (denominator_5 - 1) + (value * denominator_5) ^ 2 / denominator_5,
                sum_squares) as sum_squares
        ),
    from published
),

chosen as (
    select
        *,
        list_contains($areas, area_code) as in_areas,
        list_contains($bands, age_band)
        or (age_band = 'All ages' and not list_contains($banded, indicator_id)) as in_bands,
    from parts
),

in_views as (
    select
        unnest(list_filter(
            [
                if(in_areas and in_bands, 'selection', null),
                if(area_code = $council and in_bands, 'council', null),
                if(in_areas and in_bands, 'each', null),
                if(in_bands, 'district', null),
                if(year = $latest and in_areas, 'age_band', null),
                if(year = $latest and area_code = $council, 'council_band', null),
                if(in_areas, 'age_bands', null),
                if(area_code = $council, 'council_bands', null),
            ],
            lambda view: list_contains($views, view)
        )) as view,
        *,
    from chosen
),

summed as (
    select
        indicator_id,
        any_value(unit) as unit,
        view,
        year,
        if(view in ('council', 'each', 'district'), area_code, null) as area_code,
        if(view in ('age_band', 'council_band', 'age_bands', 'council_bands'), age_band, null)
            as age_band,
        category,
        count(*) as parts,
        bool_or(symbol = 'c') as withheld,
        sum(numerator) as numerator,
        -- a part with children but no denominator (Unknown's rate: no population) leaves the
        -- sum without one
        if(bool_or(denominator is null and numerator <> 0), null, sum(denominator))
            as denominator,
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
    group by indicator_id, view, year, 5, 6, category
),

final as (
    select *,
    from summed
    order by
        indicator_id,
        view,
        year,
        coalesce(list_position($area_order, area_code), 1e9),
        coalesce(list_position($band_order, age_band), if(age_band = 'Unknown', 1e8, 1e9)),
        category
)

select * from final
