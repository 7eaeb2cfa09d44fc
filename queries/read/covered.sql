-- covered: the age bands (and 'All ages') each of the indicators has a figure for in some year,
-- for the council as a whole, read from the protected figures the build wrote: a band with none
-- in any year (health assessments for the under 1s) is one the measure does not cover, not a
-- year's data missing. A withheld figure (c) is one there is.
-- Parameters: $indicators
-- Sources: figures (the extract written by `carejsna build`).
select distinct indicator_id, age_band,
from figures
where list_contains($indicators, indicator_id)
    and area_type = 'council'
    and symbol <> 'x'
order by indicator_id, age_band
