-- kept_counts: what a forecast's model is fitted on, as `carejsna build` counted it for each area
-- (the council, and each district alone: forecast.remember, forecast_counts.parquet), added up
-- over the chosen areas: a fit's counts (child-days, moves, exits, entries, entrants' ages, the
-- stock by month of birth and placement, children in care at each 31 March) are sums over
-- children, so districts' sums are the fit on their children together.
-- Rows: fitted_to (the last return a fit is on: the forecast's, or its back-test's), part
-- (exposure, moves, exits, entries, entry_ages, stock, in_care), cell (an index into the part's
-- array; the stock's: month of birth x placement) and the value, in that order.
-- $areas: the chosen district codes (or the council's code); $reference_from: the forecast's
-- reference period's first year.
-- Parameters: $areas, $reference_from
-- Sources: forecast_counts (beside the extracts).
select fitted_to, part, cell, sum(value) as value,
from forecast_counts
where list_contains($areas, area) and reference_from = $reference_from
group by fitted_to, part, cell
order by fitted_to, part, cell
