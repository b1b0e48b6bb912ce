-- A claim updates only columns no index covers (`claimed_until`, `attempts`), so it can be a HOT
-- update, a new row version on the same page with no index entries, if the page has room: leave
-- room on the pages the planner fills.
ALTER TABLE push_deliveries SET (fillfactor = 70);
