"""Expo Updates protocol v1: publishing `npx expo export` output and serving expo-updates apps."""
