{#-
  Sums of doubles depend on the order rows are added, and parallel aggregation does not fix
  that order: two runs over the same data could publish values that differ in the last bit.
  Adding as DECIMAL is exact, so the result is the same in any order; the scale (10 places) is
  far below anything a scorecard shows.
-#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 10))) as double)
{%- endmacro %}

{% macro exact_avg(expression) -%}
    cast(
        sum(cast({{ expression }} as decimal(38, 10))) / count({{ expression }})
        as double
    )
{%- endmacro %}
