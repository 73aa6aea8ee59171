"""Counts the SQL queries of each request and returns the count in ``X-Queries`` (bench only).

First in the middleware list, so it counts the session, authentication, second-factor and audit
queries too: what the database really serves per request."""

from django.db import connection


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Queries"] = str(count)
        return response
