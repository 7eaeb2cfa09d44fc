-- withheld_years: the years in which any of the indicators' figures for the chosen districts
-- (or the council) is withheld, for each of the age bands asked about, read from the protected
-- figures the build wrote: a figure over several published ones (their sum) is withheld when any
-- of them is, as in views.sql's selection view, so a set of bands' years are the union of its
-- bands' (forecast.withheld_years takes them so, one read for every set). For a forecast, which
-- shows no number the figures withhold.
-- $areas: the chosen districts, or the council's code; $bands: every age band asked about
-- ('All ages' for none).
-- Parameters: $indicators, $areas, $bands, $year_from, $year_to
-- Sources: figures (the extract written by `carejsna build`).
select age_band, year,
from figures
where list_contains($indicators, indicator_id)
    and list_contains($areas, area_code)
    and list_contains($bands, age_band)
    and year between $year_from and $year_to
group by age_band, year
having bool_or(symbol = 'c')
order by age_band, year
