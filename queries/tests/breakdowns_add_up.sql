-- The cells of every breakdown add up to the province's cell: the numerator of counts,
-- rates and shares, and the denominator of shares (a rate's denominator is a
-- population, whose province figure may be the province's own rows). Every member has
-- exactly one value of a breakdown (`unknown` included), so those sums are equal; the
-- areas are one breakdown too, but a content item's area is optional, so their sum may
-- only fall short of the province's, never exceed it.
WITH totals AS (
    SELECT indicator_id, unit, numerator, denominator
    FROM tidy
    WHERE area_code = $province AND breakdown = ''
),
parts AS (
    SELECT indicator_id,
        CASE WHEN breakdown = '' THEN 'area' ELSE breakdown END AS dimension,
        sum(numerator) AS numerator,
        sum(denominator) AS denominator
    FROM tidy
    WHERE NOT (area_code = $province AND breakdown = '')
    GROUP BY ALL
)
SELECT parts.indicator_id, parts.dimension
FROM parts JOIN totals USING (indicator_id)
WHERE totals.unit IN ('count', 'share', 'per_100k')
  AND CASE WHEN parts.dimension = 'area'
        THEN parts.numerator > totals.numerator
          OR (totals.unit = 'share' AND parts.denominator > totals.denominator)
        ELSE parts.numerator IS DISTINCT FROM totals.numerator
          OR (totals.unit = 'share' AND parts.denominator IS DISTINCT FROM totals.denominator)
      END
