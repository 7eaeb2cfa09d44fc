-- kept_segments: care_segments.sql's pieces as `carejsna build` worked them out once for the
-- whole council (forecast.keep: care_segments.parquet, a `returns_to` column beside the query's
-- own), for the returns up to $returns_to and the chosen districts; the same rows, in the same
-- order, as care_segments.sql gives for them. A forecast for a new selection reads these rather
-- than working every episode through again. The order is the file's (keep wrote it by returns,
-- district, child and start date; DuckDB keeps a file's order where a query asks for none):
-- sorting a council's pieces again would take half the read.
-- $districts: a list of district codes (empty for the whole council).
-- Parameters: $returns_to, $districts
-- Sources: care_segments (beside the extracts).
select * exclude (returns_to),
from care_segments
where returns_to = $returns_to
    and (len($districts) = 0 or list_contains($districts, district_code))
