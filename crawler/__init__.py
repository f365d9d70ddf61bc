"""Crawling government sites: Scrapy spiders, page reading, attachments, captures."""
