"""The read side: what the pages, the CLI and the exports show, read from the warehouse.

    selection   Selection: what is being looked at, and what it is called in Vietnamese
    versions    data_version (the cache key), DataSpan (quarters with data, last load, demo flag)
    sql         SQL building blocks (bound parameters only)
    aggregate   facts -> sums per group and period, over units that reported the whole period
    summary     one period by group; the selection's total row and totals; rankings
    trend       a range of periods by group
    reporting   completeness unit × quarter, one indicator's series, cumulative disagreements
    stats       pandas statistics over what the reads return (rates, unusual values)
    views       the typed reads of the pages (one value with all a page draws)
"""
