-- withheld_years: for every area and age band, the years in which any of the indicators' figures
-- is withheld, read from the protected figures the build wrote. A figure over several published
-- ones (their sum: districts or bands together) is withheld when any of them is, as in
-- views.sql's selection view, so a selection's years are the union of its areas' and bands'
-- (forecast.withheld_years takes them so, from this one read, held for each build). For a
-- forecast, which shows no number the figures withhold.
-- Parameters: $indicators, $year_from, $year_to
-- Sources: figures (the extract written by `carejsna build`).
select area_code, age_band, year,
from figures
where list_contains($indicators, indicator_id)
    and year between $year_from and $year_to
group by area_code, age_band, year
having bool_or(symbol = 'c')
order by area_code, age_band, year
