-- small_in_care: the years (from the first return's, 0 on) in which any of the chosen areas has
-- 1 to $most children in care at 31 March in one placement category of one of the chosen age
-- bands, as `carejsna build` counted them for each area alone (forecast_counts: in_care, a year
-- x band x category array in C order, on the returns to $fitted_to). A forecast's placement
-- categories are not among the protected figures: where any part of a selection has so few,
-- none of its categories is shown (forecast.withheld_years).
-- $areas: district codes; $bands: the chosen bands' places among the $band_count bands.
-- Parameters: $areas, $bands, $band_count, $categories, $most, $fitted_to
-- Sources: forecast_counts (beside the extracts).
select distinct (cell // $categories) // $band_count as year_index,
from forecast_counts
where list_contains($areas, area)
    and part = 'in_care'
    and fitted_to = $fitted_to
    and list_contains($bands, (cell // $categories) % $band_count)
    and value between 1 and $most
order by year_index
