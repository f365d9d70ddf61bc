"""What a user would run instead of planwatch: a bare Scrapy spider and urlwatch."""
