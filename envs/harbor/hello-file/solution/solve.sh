#!/bin/bash
printf 'Hello, harbor!\n' > /app/greeting.txt
