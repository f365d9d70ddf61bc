"""Scrapy spiders: one generic plan spider, configured per source."""
