-- pct_substance_intervention_offered: Children looked after for 12 months with a substance
-- misuse problem who were offered an intervention but refused it.
-- A row is one year x home district x age band (at 31 March); numerator = those with
-- INTERVENTION_OFFERED 1, denominator = cohort children with SUBSTANCE_MISUSE 1 in OC2.
-- INTERVENTION_OFFERED means offered an intervention but refused it (DfE's guide), so this is
-- not the share offered one: the offered = received + offered but refused. A blank counts as no.
-- Parameters: $year_from, $year_to
-- Sources: cla_12_months_health (queries/views/cla_12_months_health.sql).
with

misusing as (
    select
        year,
        district_code,
        age_band,
        offered_intervention,
    from cla_12_months_health
    where year between $year_from and $year_to
        and has_substance_misuse
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(offered_intervention)::bigint as numerator,
        count(*)::bigint as denominator,
    from misusing
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
