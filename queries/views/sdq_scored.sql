-- sdq_scored: the children whose SDQ score counts towards the average (mean_sdq and
-- placed_away_mean_sdq read it, so the groups of the one always add up to the other): cohort
-- children aged 4 to 16 at 31 March with a valid score (0 to 40).
-- A row is one child x year, with the home district and age band at 31 March.
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
select
    year,
    child_id,
    district_code,
    age_band,
    sdq_score,
from cla_12_months_health
where age between 4 and 16
    and sdq_score is not null
