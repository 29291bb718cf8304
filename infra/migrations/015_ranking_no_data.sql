-- What a scheme does with a street that has no data for an indicator in the
-- period (nothing to divide by, such as no resident's rating): 'zero' gives
-- it 0 points on that indicator, as before (it cannot show the work was
-- done); 'skip' leaves the indicator out of that street's score, whose
-- weight is then shared among the indicators it has data for. A ranking
-- copies the rule when it is requested, as it copies the weights.

ALTER TABLE assessment_schemes ADD COLUMN no_data text NOT NULL DEFAULT 'zero' CHECK (no_data IN ('zero', 'skip'));
ALTER TABLE rankings ADD COLUMN no_data text NOT NULL DEFAULT 'zero' CHECK (no_data IN ('zero', 'skip'));
