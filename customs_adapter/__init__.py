"""customs_adapter"""
