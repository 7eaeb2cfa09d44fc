-- education_share: the share of pupils looked after for 12 months at 31 March with one
-- education outcome ($measure), among those with the item recorded (education.csv).
-- A row is one year x home district x age band (at 31 March); numerator = pupils with the
-- outcome, denominator = cohort children whose item is not blank (blank = not applicable: not
-- at the end of the key stage, not of school age).
-- $measure (item: outcome): ks2_rwm_expected (KS2_RWM_EXPECTED: 1); ks4_eng_maths_4
-- (KS4_ENG_MATHS_4: 1); persistent_absence (PERSISTENT_ABSENCE: 1); suspended (SUSPENSIONS: 1
-- or more); sen_support and ehc_plan (SEN_PROVISION: K, E).
-- Parameters: $year_from, $year_to, $measure
-- Sources: cla_12_months_education (queries/views/cla_12_months_education.sql).
with

pupils as (
    select
        year,
        district_code,
        age_band,
        case $measure
            when 'ks2_rwm_expected' then ks2_rwm_expected
            when 'ks4_eng_maths_4' then ks4_eng_maths_4
            when 'persistent_absence' then is_persistently_absent
            when 'suspended' then suspensions::varchar
            when 'sen_support' then sen_provision
            when 'ehc_plan' then sen_provision
            else error('unknown education measure: ' || $measure)
        end as item,
    from cla_12_months_education
    where year between $year_from and $year_to
),

final as (
    select
        year,
        district_code,
        age_band,
        count_if(
            case $measure
                when 'suspended' then item::integer >= 1
                when 'sen_support' then item = 'K'
                when 'ehc_plan' then item = 'E'
                else item = '1'
            end
        )::bigint as numerator,
        count(*)::bigint as denominator,
    from pupils
    where item is not null
    group by year, district_code, age_band
)

select * from final
order by year, district_code, age_band
