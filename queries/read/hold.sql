-- hold: read the protected figures of some indicators from the extract's file into the table a
-- server holds in memory (db.hold runs it once per indicator, the first time a read needs it).
-- In indicator, area and year order: a read of some indicators scans fewer rows, and of
-- some areas fewer still (nationally, with every indicator held, a page's rerun for a new
-- district is 4 to 8 ms quicker than in indicator and year order: bench/national.py). Area
-- first would quicken a district's read again but nearly double a district view's (every area).
-- Parameters: $indicator_ids
-- Sources: figures_file (the extract written by `carejsna build`), held.figures.
insert into held.figures
select *
from figures_file
where list_contains($indicator_ids, indicator_id)
order by indicator_id, area_code, year
