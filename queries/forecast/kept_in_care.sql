-- kept_in_care: children in care at each 31 March the returns hold, by age band and placement
-- with every total (forecast.in_care), as `carejsna build` worked them out for an area (the
-- council, or one district alone: forecast.remember, forecast_in_care.parquet), in the order
-- they were written.
-- $area: the council's code or a district's.
-- Parameters: $area
-- Sources: forecast_in_care (beside the extracts).
select * exclude (area),
from forecast_in_care
where area = $area
